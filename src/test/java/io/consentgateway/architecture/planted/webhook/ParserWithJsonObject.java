package io.consentgateway.architecture.planted.webhook;

/** Planted: a parser on Vert.x's JSON type. */
public final class ParserWithJsonObject {
  public Object parse(String body) {
    return new io.vertx.core.json.JsonObject(body);
  }
}
