package io.consentgateway.actito;

import io.consentgateway.remote.RemoteOperation;

/** The Actito calls the client makes; the {@code operation} tag of its metrics. */
public enum ActitoOperation implements RemoteOperation {
  TOKEN("token"),
  UPSERT("upsert"),
  LOOKUP("lookup"),
  UPDATE("update"),
  PATCH("patch"),
  SUBSCRIBE("subscribe"),
  UNSUBSCRIBE("unsubscribe"),
  TABLE_STRUCTURE("table_structure"),
  IMPORT_TRIGGER("import_trigger"),
  IMPORT_STATUS("import_status");

  private final String tag;

  ActitoOperation(String tag) {
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
