package io.consentgateway.mapping;

import io.consentgateway.support.TestIntegrations;
import io.consentgateway.webhook.AttributeValue;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;

/** The hand-sized Actito body is valid JSON that carries every string exactly, whatever its characters. */
class ActitoBodyProperties {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Property(tries = 500)
  void everyStringSurvivesTheBodyUnchanged(
      @ForAll String user, @ForAll @Size(max = 4) Map<String, String> metadata, @ForAll boolean subscribe) throws IOException {
    // given any user id and metadata strings (controls, quotes, backslashes, non-ASCII, surrogates)
    FieldChanges.Builder changes = FieldChanges.builder(user, 1_000, 0, 1, metadata.size())
        .subscription("Newsletter", subscribe);
    metadata.forEach((k, v) -> changes.attribute(k, AttributeValue.ofString(v)));
    ConsentState state = ConsentState.empty();
    state.merge(changes.build());
    ConsentMapper mapper = new ConsentMapper(TestIntegrations.acme());
    // when the body is written and read back by Jackson
    byte[] bytes = mapper.updateFor(state, null).toJson();
    JsonNode body = JSON.readTree(bytes);
    // then it is ASCII and every value is what went in
    for (byte b : bytes) {
      assertThat(b).isBetween((byte) 0x20, (byte) 0x7e);
    }
    assertThat(body.at("/attributes/0/name").asText()).isEqualTo("customerId");
    assertThat(body.at("/attributes/0/value").asText()).isEqualTo(user);
    int i = 1;
    for (Map.Entry<String, AttributeValue> e : state.attributes().entrySet()) {
      if (e.getKey().equals("customerId")) {
        continue;
      }
      assertThat(body.at("/attributes/" + i + "/name").asText()).isEqualTo(e.getKey());
      assertThat(body.at("/attributes/" + i + "/value").asText()).isEqualTo(e.getValue().text());
      i++;
    }
    assertThat(body.get("attributes")).hasSize(i);
    assertThat(body.at("/subscriptions/0/subscribe").asBoolean()).isEqualTo(subscribe);
    assertThat(body.at("/dataCollectionInformation/date").asText()).isEqualTo("1970-01-01T00:00:01.000Z");
  }
}
