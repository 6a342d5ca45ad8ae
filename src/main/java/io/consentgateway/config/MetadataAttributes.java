package io.consentgateway.config;

import java.util.List;
import java.util.Set;

/** Which keys of the Didomi user's {@code metadata} are copied to Actito attributes. */
public record MetadataAttributes(Mode mode, Set<String> keys) {

  public enum Mode {
    ALL,
    NONE,
    LIST
  }

  public static final MetadataAttributes ALL = new MetadataAttributes(Mode.ALL, Set.of());
  public static final MetadataAttributes NONE = new MetadataAttributes(Mode.NONE, Set.of());

  public static MetadataAttributes only(List<String> keys) {
    return new MetadataAttributes(Mode.LIST, Set.copyOf(keys));
  }

  public boolean includes(String key) {
    return switch (mode) {
      case ALL -> true;
      case NONE -> false;
      case LIST -> keys.contains(key);
    };
  }
}
