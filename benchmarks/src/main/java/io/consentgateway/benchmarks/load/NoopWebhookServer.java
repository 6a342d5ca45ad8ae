package io.consentgateway.benchmarks.load;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;

/**
 * The load run's baseline: a Vert.x endpoint that reads the whole webhook body and answers 202,
 * storing nothing. Same HTTP stack and verticle count as the gateway's ingest, so the ratio of the
 * two rates is the cost of authentication, parsing and the durable group commit.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.consentgateway.benchmarks.load.NoopWebhookServer PORT}
 */
public final class NoopWebhookServer extends VerticleBase {

  private static final Buffer ACCEPTED = Buffer.buffer("{\"status\":\"accepted\"}");

  private final int port;
  private HttpServer server;

  private NoopWebhookServer(int port) {
    this.port = port;
  }

  @Override
  public Future<?> start() {
    server = vertx.createHttpServer().requestHandler(request -> request.body().onComplete(body -> request.response()
        .setStatusCode(202)
        .putHeader("Content-Type", "application/json")
        .end(ACCEPTED)));
    return server.listen(port, "127.0.0.1");
  }

  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    int instances = Runtime.getRuntime().availableProcessors();
    Vertx vertx = Vertx.vertx();
    vertx.deployVerticle(() -> new NoopWebhookServer(port), new DeploymentOptions().setInstances(instances))
        .onSuccess(id -> System.out.println("noop endpoint ready on 127.0.0.1:" + port + " (" + instances + " verticles)"))
        .onFailure(error -> {
          error.printStackTrace();
          System.exit(1);
        });
  }
}
