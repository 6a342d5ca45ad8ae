package io.consentgateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.mapping.ActitoProfileUpdate;
import io.consentgateway.webhook.AttributeValue;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How an update Actito refused is taken apart to find the refused field (guarantee 11). */
class UpdateSplitTest {

  @Test
  void subscriptionsGoAheadOfAttributes() {
    var update = ActitoProfileUpdate.of("customerId", "u", Map.of("a", AttributeValue.ofString("x")),
        Map.of("Newsletter", false), 0);

    ActitoProfileUpdate[] parts = IntegrationDispatch.split(update);

    assertThat(parts[0].subscriptions()).containsOnlyKeys("Newsletter");
    assertThat(parts[0].attributes()).isEmpty();
    assertThat(parts[1].attributes()).containsOnlyKeys("a");
    assertThat(parts[1].subscriptions()).isEmpty();
  }

  @Test
  void subscriptionsAreHalvedWithUnsubscribesFirst() {
    Map<String, Boolean> subscriptions = new LinkedHashMap<>();
    subscriptions.put("A", true);
    subscriptions.put("B", false);
    subscriptions.put("C", true);
    subscriptions.put("D", false);
    var update = ActitoProfileUpdate.of("customerId", "u", Map.of(), subscriptions, 0);

    ActitoProfileUpdate[] parts = IntegrationDispatch.split(update);

    assertThat(parts[0].subscriptions()).containsOnlyKeys("B", "D");
    assertThat(parts[1].subscriptions()).containsOnlyKeys("A", "C");
  }

  @Test
  void attributesAreHalvedAndEveryFieldIsInExactlyOnePart() {
    Map<String, AttributeValue> attributes = new LinkedHashMap<>();
    for (String name : new String[] {"a", "b", "c"}) {
      attributes.put(name, AttributeValue.ofString(name));
    }
    var update = ActitoProfileUpdate.of("customerId", "u", attributes, Map.of(), 0);

    ActitoProfileUpdate[] parts = IntegrationDispatch.split(update);

    assertThat(parts[0].fieldCount() + parts[1].fieldCount()).isEqualTo(3);
    assertThat(parts[0].fieldCount()).isPositive();
    assertThat(parts[1].fieldCount()).isPositive();
    var all = new java.util.HashSet<>(parts[0].attributes().keySet());
    all.addAll(parts[1].attributes().keySet());
    assertThat(all).containsExactlyInAnyOrder("a", "b", "c");
  }
}
