package io.consentgateway.config;

/** An invalid configuration: {@link #key()} names the offending key, the message never holds a secret. */
public final class ConfigException extends RuntimeException {

  private final String key;

  public ConfigException(String key, String problem) {
    super(key + ": " + problem);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
