package io.consentgateway.bidirectional;

/** The Didomi calls the client makes; the {@code operation} tag of its metrics. */
public enum DidomiOperation {
  TOKEN("token"),
  WRITE_EVENT("write_event");

  private final String tag;

  DidomiOperation(String tag) {
    this.tag = tag;
  }

  public String tag() {
    return tag;
  }

  @Override
  public String toString() {
    return tag;
  }
}
