package io.consentgateway.openapi;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.consentgateway.admin.AdminVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.OpenAPIVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's OpenAPI document ({@code src/main/resources/openapi/consent-gateway.yaml}) as the
 * tests read it, and the two checks vertx-openapi offers: the document against the official
 * OpenAPI meta-schema, and a {@link OpenAPIContract} to validate real responses with.
 *
 * <p>Two adaptations, each checked by a test so that it cannot hide anything else:
 *
 * <ul>
 *   <li>The OAuth {@code tokenUrl} is the relative {@code /oauth/token}, which OpenAPI 3.1 allows
 *       (relative references resolve against the server URL), but the 3.1 meta-schema of
 *       2022-10-07 that vertx-openapi 5.0 bundles demands an absolute URI
 *       (OAI/OpenAPI-Specification#4327, fixed in later schemas). {@link #resolveTokenUrl} resolves
 *       it against the public server, as a client would, before the meta-schema sees it.
 *   <li>vertx-openapi 5.0 refuses to build a contract whose operations use a media type it cannot
 *       validate; the gateway rightly has two: the form body of {@code POST /oauth/token} and the
 *       YAML of {@code GET /admin/openapi.yaml}; and it cannot check a {@code text/plain} body
 *       against a schema ({@code GET /metrics}). The contract is built from a copy without them
 *       ({@link #contractDocument}); the tests check those answers' content types themselves.
 * </ul>
 */
final class OpenApiSpec {

  static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

  /**
   * Media types of the document that vertx-openapi cannot validate, left out of its contract: it
   * refuses the first two outright, and hands a {@code text/plain} body to the schema validator as
   * a buffer, which that cannot read.
   */
  static final Set<String> NOT_VALIDATED = Set.of("application/x-www-form-urlencoded", "application/yaml", "text/plain");

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private OpenApiSpec() {}

  /** The document's bytes, as the jar ships them. */
  static byte[] bytes() {
    try (InputStream in = OpenApiSpec.class.getClassLoader().getResourceAsStream(AdminVerticle.OPENAPI_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(AdminVerticle.OPENAPI_RESOURCE + " is not on the class path");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonObject document() {
    return parse(new String(bytes(), StandardCharsets.UTF_8));
  }

  @SuppressWarnings("unchecked")
  static JsonObject parse(String yaml) {
    try {
      return new JsonObject(YAML.readValue(yaml, Map.class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every error the OpenAPI meta-schema of the document's version finds, one line each; empty when valid. */
  static List<String> metaSchemaErrors(Vertx vertx, JsonObject document) {
    OpenAPIVersion version = OpenAPIVersion.fromContract(document);
    SchemaRepository repository = await(version.getRepository(vertx, "app://"));
    OutputUnit result = await(version.validateContract(vertx, repository, document));
    List<String> errors = new ArrayList<>();
    collect(result, errors);
    if (!Boolean.TRUE.equals(result.getValid()) && errors.isEmpty()) {
      errors.add("invalid: " + result.toJson().encode());
    }
    return errors;
  }

  private static void collect(OutputUnit unit, List<String> into) {
    if (unit.getError() != null) {
      into.add(unit.getInstanceLocation() + ": " + unit.getError() + " (" + unit.getKeywordLocation() + ")");
    }
    if (unit.getErrors() != null) {
      unit.getErrors().forEach(error -> collect(error, into));
    }
  }

  /** Where the document's relative OAuth token URL sits. */
  static final String TOKEN_URL_LOCATION = "#/components/securitySchemes/didomiOAuth/flows/clientCredentials/tokenUrl";

  /** A copy of the document whose OAuth {@code tokenUrl} is resolved against the first (public) server. */
  static JsonObject resolveTokenUrl(JsonObject document) {
    JsonObject copy = document.copy();
    JsonObject flow = copy.getJsonObject("components").getJsonObject("securitySchemes").getJsonObject("didomiOAuth")
        .getJsonObject("flows").getJsonObject("clientCredentials");
    String server = copy.getJsonArray("servers").getJsonObject(0).getString("url");
    flow.put("tokenUrl", URI.create(server).resolve(flow.getString("tokenUrl")).toString());
    return copy;
  }

  /** The contract vertx-openapi builds from {@link #contractDocument}; fails on any problem it finds. */
  static OpenAPIContract contract(Vertx vertx, JsonObject document) {
    return await(OpenAPIContract.from(vertx, contractDocument(document, new TreeSet<>())));
  }

  /**
   * A copy of the document, its token URL resolved, without the media types of {@link #NOT_VALIDATED}, recording in {@code
   * leftOut} each {@code "METHOD path status media-type"} (or {@code "METHOD path request media-type"})
   * it removed. A request body or response left without content loses its {@code content}.
   */
  static JsonObject contractDocument(JsonObject document, Set<String> leftOut) {
    JsonObject copy = resolveTokenUrl(document);
    JsonObject paths = copy.getJsonObject("paths", new JsonObject());
    for (String path : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(path);
      for (String method : item.fieldNames()) {
        if (!HTTP_METHODS.contains(method)) {
          continue;
        }
        JsonObject operation = item.getJsonObject(method);
        String where = method.toUpperCase() + " " + path;
        JsonObject body = operation.getJsonObject("requestBody");
        if (body != null && prune(body, where + " request", leftOut)) {
          operation.remove("requestBody");
        }
        JsonObject responses = operation.getJsonObject("responses", new JsonObject());
        for (String status : responses.fieldNames()) {
          JsonObject response = responses.getJsonObject(status);
          if (prune(response, where + " " + status, leftOut)) {
            response.remove("content");
          }
        }
      }
    }
    return copy;
  }

  /** @return whether {@code holder}'s content is empty now */
  private static boolean prune(JsonObject holder, String where, Set<String> leftOut) {
    JsonObject content = holder.getJsonObject("content");
    if (content == null) {
      return false;
    }
    for (String type : List.copyOf(content.fieldNames())) {
      // any other type vertx-openapi cannot validate stays, so that building the contract fails on it
      if (NOT_VALIDATED.contains(type)) {
        content.remove(type);
        leftOut.add(where + " " + type);
      }
    }
    return content.isEmpty();
  }

  /**
   * The media types the document declares for {@code status} of the operation at {@code method}
   * (lower case) and {@code path} (the document's template); empty when that answer has no body,
   * null when the document does not declare that status for the operation.
   */
  static Set<String> declaredMediaTypes(JsonObject document, String method, String path, int status) {
    JsonObject declared = document.getJsonObject("paths").getJsonObject(path)
        .getJsonObject(method).getJsonObject("responses").getJsonObject(Integer.toString(status));
    if (declared == null) {
      return null;
    }
    JsonObject response = deref(document, declared);
    JsonObject content = response.getJsonObject("content");
    return content == null ? Set.of() : new TreeSet<>(content.fieldNames());
  }

  /** {@code node}, or what its local {@code $ref} ("#/components/...") points to in {@code document}. */
  static JsonObject deref(JsonObject document, JsonObject node) {
    String ref = node.getString("$ref");
    if (ref == null) {
      return node;
    }
    Object target = document;
    for (String step : ref.substring(2).split("/")) {
      target = ((JsonObject) target).getValue(step);
    }
    return deref(document, (JsonObject) target);
  }

  static <T> T await(io.vertx.core.Future<T> future) {
    try {
      return future.await(30, TimeUnit.SECONDS);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
