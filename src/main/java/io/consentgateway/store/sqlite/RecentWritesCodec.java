package io.consentgateway.store.sqlite;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.consentgateway.mapping.RecentWrites;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;

/** {@link RecentWrites} in the {@code user_state.recent_writes} column: {@code {"Newsletter":[trueAt,falseAt]}}. */
final class RecentWritesCodec {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<TreeMap<String, long[]>> TYPE = new TypeReference<>() {};

  private RecentWritesCodec() {}

  static RecentWrites decode(String json) {
    if (json == null || json.isEmpty()) {
      return RecentWrites.empty();
    }
    try {
      Map<String, long[]> entries = JSON.readValue(json, TYPE);
      entries.values().removeIf(at -> at == null || at.length != 2);
      return RecentWrites.of(entries);
    } catch (IOException e) {
      return RecentWrites.empty(); // only an echo hint: a damaged value must not stop dispatch
    }
  }

  static String encode(RecentWrites writes) {
    if (writes.isEmpty()) {
      return null;
    }
    try {
      return JSON.writeValueAsString(new TreeMap<>(writes.entries()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
