package io.consentgateway.didomi;

import io.consentgateway.remote.RemoteOperation;

/** The Didomi calls the client makes; the {@code operation} tag of its metrics. */
public enum DidomiOperation implements RemoteOperation {
  TOKEN("token"),
  WRITE_EVENT("write_event");

  private final String tag;

  DidomiOperation(String tag) {
    this.tag = tag;
  }

  @Override
  public String tag() {
    return tag;
  }

  @Override
  public String toString() {
    return tag;
  }
}
