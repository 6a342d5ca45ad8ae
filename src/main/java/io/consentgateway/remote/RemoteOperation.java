package io.consentgateway.remote;

/** One kind of call a client makes to its remote; {@link #tag()} is the {@code operation} tag of its metrics. */
public interface RemoteOperation {

  String tag();
}
