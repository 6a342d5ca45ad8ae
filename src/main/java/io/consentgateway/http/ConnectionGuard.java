package io.consentgateway.http;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Keeps connections that do not use a listener from holding it: what the server does before the
 * router sees a request. Vert.x's idle timeout alone closes only a silent connection, so one that
 * sends a header line every few seconds, or a body at a byte a second, would stay forever:
 * <ul>
 *   <li>a new connection must complete a request head within {@code headerTimeoutSeconds};
 *   <li>a request must complete its body within {@code bodyTimeoutSeconds} of its head (else 408);
 *   <li>between two requests a keep-alive connection waits {@code idleTimeoutSeconds} at most;
 *   <li>at most {@code maxConnections} are open; at the cap the oldest connection waiting for a
 *       request is closed to make room, and only when none waits is the newcomer refused. A cap
 *       filled by connections that send nothing therefore never locks a real client out.
 * </ul>
 * It also answers, in JSON, what Vert.x would answer with an empty body: a request head Netty
 * could not decode (400, 414, 431), and an HTTP version other than 1.0 and 1.1 (505; Vert.x says
 * 501). One instance per verticle instance, confined to its event loop: the state is a plain map
 * and a periodic sweep reads it, so a request costs two field writes and no timer of its own.
 */
public final class ConnectionGuard {

  /** The reasons a connection is closed, as {@code onClose} reports them. */
  public static final String HEADER_TIMEOUT = "header_timeout";
  public static final String BODY_TIMEOUT = "body_timeout";
  public static final String IDLE_TIMEOUT = "idle_timeout";
  public static final String EVICTED = "evicted";
  public static final String REFUSED = "refused";

  /** One listener's limits; {@code maxConnections} is this instance's share. */
  public record Limits(int headerTimeoutSeconds, int bodyTimeoutSeconds, int idleTimeoutSeconds, int maxConnections) {}

  private final Vertx vertx;
  private final long headerNanos;
  private final long bodyNanos;
  private final long idleNanos;
  private final int bodyTimeoutSeconds;
  private final int maxConnections;
  private final Consumer<String> onClose;
  private final Map<HttpConnection, Tracked> open = new LinkedHashMap<>(); // oldest first
  private long sweeper = -1;

  public ConnectionGuard(Vertx vertx, Limits limits, Consumer<String> onClose) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.headerNanos = TimeUnit.SECONDS.toNanos(limits.headerTimeoutSeconds());
    this.bodyNanos = TimeUnit.SECONDS.toNanos(limits.bodyTimeoutSeconds());
    this.idleNanos = TimeUnit.SECONDS.toNanos(limits.idleTimeoutSeconds());
    this.bodyTimeoutSeconds = limits.bodyTimeoutSeconds();
    this.maxConnections = limits.maxConnections();
    this.onClose = Objects.requireNonNull(onClose, "onClose");
  }

  /** Puts the guard in front of {@code next} on {@code server}, and starts sweeping. */
  public HttpServer install(HttpServer server, Handler<HttpServerRequest> next) {
    long shortest = Math.min(headerNanos, Math.min(bodyNanos, idleNanos));
    long period = Math.max(100, Math.min(1000, TimeUnit.NANOSECONDS.toMillis(shortest) / 4));
    sweeper = vertx.setPeriodic(period, id -> sweep());
    server.connectionHandler(this::connected);
    return installHttpVersionCheck(server, request -> {
      Tracked tracked = open.get(request.connection());
      if (tracked != null) {
        tracked.request = request;
        tracked.requestAt = System.nanoTime();
        tracked.answeredAt = 0;
      }
      next.handle(request);
    });
  }

  /** Stops sweeping; the server's own close ends the connections. */
  public void close() {
    if (sweeper >= 0) {
      vertx.cancelTimer(sweeper);
    }
  }

  /**
   * JSON answers for requests Netty could not decode and for HTTP versions Vert.x does not speak,
   * then {@code next}; for a listener that needs no other guarding (the admin port).
   */
  public static HttpServer installHttpVersionCheck(HttpServer server, Handler<HttpServerRequest> next) {
    // Vert.x answers an unknown version (HTTP/1.2, HTTP/2.0 without h2c) 501 itself unless a WebSocket
    // handler is set: with one, such a request reaches the request handler, which answers 505.
    server.webSocketHandshakeHandler(handshake -> handshake.reject(404));
    server.invalidRequestHandler(ConnectionGuard::undecodable);
    return server.requestHandler(request -> {
      if (request.version() == null) {
        closeAfter(request, 505, "http_version_not_supported", "only HTTP/1.0 and HTTP/1.1 are served");
        return;
      }
      next.handle(request);
    });
  }

  private void connected(HttpConnection connection) {
    if (open.size() >= maxConnections && !evictOldestWaiting()) {
      onClose.accept(REFUSED);
      connection.close();
      return;
    }
    open.put(connection, new Tracked(connection, System.nanoTime()));
    connection.closeHandler(v -> open.remove(connection));
  }

  private boolean evictOldestWaiting() {
    for (Tracked tracked : open.values()) {
      if (tracked.waitingForARequest()) {
        open.remove(tracked.connection);
        onClose.accept(EVICTED);
        tracked.connection.close();
        return true;
      }
    }
    return false;
  }

  private void sweep() {
    long now = System.nanoTime();
    List<Tracked> headers = new ArrayList<>();
    List<Tracked> bodies = new ArrayList<>();
    List<Tracked> idle = new ArrayList<>();
    for (Iterator<Tracked> it = open.values().iterator(); it.hasNext(); ) {
      Tracked tracked = it.next();
      HttpServerRequest request = tracked.request;
      if (request == null) {
        if (now - tracked.openedAt > headerNanos) {
          headers.add(tracked);
        }
      } else if (!request.isEnded()) {
        if (now - tracked.requestAt > bodyNanos) {
          bodies.add(tracked);
        }
      } else if (request.response().ended()) {
        // Vert.x gives no event when a response ends, so the sweep that first sees it starts the wait
        if (tracked.answeredAt == 0) {
          tracked.answeredAt = now;
        } else if (now - tracked.answeredAt > idleNanos) {
          idle.add(tracked);
        }
      }
      // else the request is read and its answer is being prepared (the store's commit): never cut it
    }
    // closed outside the iteration: a close handler removes from the map
    headers.forEach(tracked -> close(tracked, HEADER_TIMEOUT));
    idle.forEach(tracked -> close(tracked, IDLE_TIMEOUT));
    bodies.forEach(tracked -> {
      open.remove(tracked.connection);
      onClose.accept(BODY_TIMEOUT);
      closeAfter(tracked.request, 408, "request_timeout", "the request body did not arrive within " + bodyTimeoutSeconds + " s");
    });
  }

  private void close(Tracked tracked, String reason) {
    open.remove(tracked.connection);
    onClose.accept(reason);
    tracked.connection.close();
  }

  private static void undecodable(HttpServerRequest request) {
    DecoderResult result = request.decoderResult();
    Throwable cause = result == null ? null : result.cause();
    if (cause instanceof TooLongHttpLineException) {
      closeAfter(request, 414, "uri_too_long", "the request line is too long");
    } else if (cause instanceof TooLongHttpHeaderException) {
      closeAfter(request, 431, "request_header_fields_too_large", "the request headers are too large");
    } else {
      closeAfter(request, 400, "bad_request", "the request could not be read");
    }
  }

  /** Answers in JSON if nothing was sent yet, then closes the connection once the answer is out. */
  private static void closeAfter(HttpServerRequest request, int status, String error, String detail) {
    HttpServerResponse response = request.response();
    HttpConnection connection = request.connection();
    if (response.ended() || response.headWritten() || response.closed()) {
      connection.close();
      return;
    }
    response.putHeader("Connection", "close");
    JsonErrors.send(response, status, error, detail).onComplete(sent -> connection.close());
  }

  private static final class Tracked {
    final HttpConnection connection;
    final long openedAt;
    HttpServerRequest request; // the latest request of the connection, null before its first
    long requestAt;
    long answeredAt;

    Tracked(HttpConnection connection, long openedAt) {
      this.connection = connection;
      this.openedAt = openedAt;
    }

    boolean waitingForARequest() {
      return request == null || (request.isEnded() && request.response().ended());
    }
  }
}
