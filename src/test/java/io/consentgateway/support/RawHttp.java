package io.consentgateway.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 written by hand on a plain socket, for what a well-behaved client cannot send: invented
 * versions, broken chunking, headers that never end, bodies that trickle.
 */
public final class RawHttp implements AutoCloseable {

  private final Socket socket;

  private RawHttp(Socket socket) {
    this.socket = socket;
  }

  public static RawHttp connect(int port) {
    return connectFrom(null, port);
  }

  /**
   * From a chosen loopback source address ({@code "127.0.0.7"}): on Linux the whole of 127.0.0.0/8
   * is loopback, so a test can play several callers with distinct addresses.
   */
  public static RawHttp connectFrom(String sourceAddress, int port) {
    try {
      Socket socket = new Socket();
      if (sourceAddress != null) {
        socket.bind(new InetSocketAddress(sourceAddress, 0));
      }
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(10_000);
      return new RawHttp(socket);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sends {@code request} (CRLF line ends) on a fresh connection and reads the whole answer. */
  public static String exchange(int port, String request) {
    return exchangeFrom(null, port, request);
  }

  /** As {@link #exchange}, from {@code sourceAddress} (see {@link #connectFrom}). */
  public static String exchangeFrom(String sourceAddress, int port, String request) {
    try (RawHttp http = connectFrom(sourceAddress, port)) {
      http.send(request);
      return http.readResponse();
    }
  }

  public RawHttp send(String text) {
    return send(text.getBytes(StandardCharsets.UTF_8));
  }

  public RawHttp send(byte[] bytes) {
    try {
      socket.getOutputStream().write(bytes);
      socket.getOutputStream().flush();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A form POST to {@code /oauth/token}, with {@code Connection: close}. */
  public static String tokenRequest(String clientId, String clientSecret) {
    String form = "grant_type=client_credentials&client_id=" + java.net.URLEncoder.encode(clientId, StandardCharsets.UTF_8)
        + "&client_secret=" + java.net.URLEncoder.encode(clientSecret, StandardCharsets.UTF_8);
    return "POST /oauth/token HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n"
        + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + form.getBytes(StandardCharsets.UTF_8).length
        + "\r\n\r\n" + form;
  }

  /** Whether a write still goes through; false once the gateway closed the connection. */
  public boolean trySend(String text) {
    try {
      socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
      socket.getOutputStream().flush();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** One answer: status line, headers and a Content-Length body ("" when the peer closed first). */
  public String readResponse() {
    try {
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) != -1) {
        head.write(b);
        byte[] sofar = head.toByteArray();
        int n = sofar.length;
        if (n >= 4 && sofar[n - 4] == '\r' && sofar[n - 3] == '\n' && sofar[n - 2] == '\r' && sofar[n - 1] == '\n') {
          break;
        }
      }
      String headers = head.toString(StandardCharsets.ISO_8859_1);
      int length = 0;
      for (String line : headers.split("\r\n")) {
        if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
          length = Integer.parseInt(line.substring(15).trim());
        }
      }
      byte[] body = in.readNBytes(length);
      return headers + new String(body, StandardCharsets.UTF_8);
    } catch (SocketTimeoutException e) {
      return "";
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * Waits up to the socket timeout for the gateway to close the connection: true when it did
   * (end of stream or reset), false when the connection is still open after {@code millis}.
   */
  public boolean closedWithin(long millis) {
    try {
      socket.setSoTimeout((int) millis);
      InputStream in = socket.getInputStream();
      long deadline = System.nanoTime() + millis * 1_000_000;
      while (System.nanoTime() < deadline) {
        if (in.read() == -1) {
          return true;
        }
      }
      return false;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset by the peer
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing a socket the gateway may already have closed
    }
  }
}
