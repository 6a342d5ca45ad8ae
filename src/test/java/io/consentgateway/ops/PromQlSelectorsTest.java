package io.consentgateway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.ops.PromQlSelectors.Selector;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PromQlSelectorsTest {

  @Test
  void findsEveryMetricOfAnExpressionAndTheLabelsItsMatchersName() {
    String expr = """
        sum by (job, instance, le) (rate(gateway_store_fsync_seconds_bucket{instance=~"$instance"}[$__rate_interval]))
          / on (job, instance) group_left
        max_over_time(actito_breaker_state[2m]) > 1e9 unless gateway_dispatch_paused offset 15m
        """;

    assertThat(PromQlSelectors.of(expr)).containsExactlyInAnyOrder(
        new Selector("gateway_store_fsync_seconds_bucket", Set.of("instance")),
        new Selector("actito_breaker_state", Set.of()),
        new Selector("gateway_dispatch_paused", Set.of()));
  }

  @Test
  void ignoresStringsFunctionsKeywordsNumbersAndDurations() {
    String expr = "absent(up{job=\"consent-gateway\", route=~\"/webhooks/.*\"}) or vector($limit) * 24 * 3600 "
        + "and sum without (file) (gateway_store_file_size_bytes) > 512 * 1024 bool 0.5";

    assertThat(PromQlSelectors.of(expr)).containsExactlyInAnyOrder(
        new Selector("up", Set.of("job", "route")),
        new Selector("gateway_store_file_size_bytes", Set.of()));
  }
}
