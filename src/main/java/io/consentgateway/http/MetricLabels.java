package io.consentgateway.http;

import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.Match;
import io.vertx.micrometer.MatchType;
import io.vertx.micrometer.MetricsDomain;
import java.util.Set;

/**
 * Label values of Vert.x's HTTP server metrics that a caller cannot multiply: every label value
 * comes from a fixed set, so requests with invented methods or unknown paths add no series.
 * {@code route} is already a route template (or empty); {@code code} a status; only {@code method}
 * is whatever token the caller sent. It is normalised before Micrometer sees it, not by a meter
 * filter: Micrometer remembers every distinct id it was asked for before filtering, so a filter
 * would still keep one entry per invented method.
 */
public final class MetricLabels {

  /** What a method outside {@link #KNOWN_METHODS} is counted as. */
  public static final String OTHER_METHOD = "OTHER";
  /** The {@code route} of a request no route matched, or served without a router (Vert.x leaves it empty). */
  public static final String NO_ROUTE = "none";

  private static final Set<HttpMethod> KNOWN_METHODS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST,
      HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.PATCH, HttpMethod.OPTIONS, HttpMethod.TRACE, HttpMethod.CONNECT);

  private MetricLabels() {}

  /** For {@code MicrometerMetricsOptions.setServerRequestTagsProvider}: overrides the raw {@code method}. */
  public static Iterable<Tag> serverRequest(HttpRequest request) {
    return Tags.of(Label.HTTP_METHOD.toString(), method(request.method()));
  }

  public static String method(HttpMethod method) {
    return method != null && KNOWN_METHODS.contains(method) ? method.name() : OTHER_METHOD;
  }

  /** For {@code MicrometerMetricsOptions.addLabelMatch}: names the empty route of unmatched requests. */
  public static Match noRoute() {
    return new Match()
        .setDomain(MetricsDomain.HTTP_SERVER)
        .setLabel(Label.HTTP_ROUTE.toString())
        .setType(MatchType.EQUALS)
        .setValue("")
        .setAlias(NO_ROUTE);
  }
}
