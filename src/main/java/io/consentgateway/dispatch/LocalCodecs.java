package io.consentgateway.dispatch;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Passes an object between verticles of this process by reference: no JSON round trip on the
 * event bus. Refuses the wire, since dispatch messages never leave the process.
 */
public abstract class LocalCodecs<T> implements MessageCodec<T, T> {

  /** The codec of the scheduler → dispatcher messages. */
  public static final class ClaimedUserCodec extends LocalCodecs<io.consentgateway.store.ClaimedUser> {
    public ClaimedUserCodec() {
      super(io.consentgateway.store.ClaimedUser.class);
    }
  }

  /** The codec of the scheduler → write-back messages. */
  public static final class ClaimedDidomiWriteCodec extends LocalCodecs<io.consentgateway.store.ClaimedDidomiWrite> {
    public ClaimedDidomiWriteCodec() {
      super(io.consentgateway.store.ClaimedDidomiWrite.class);
    }
  }

  private final String name;

  LocalCodecs(Class<T> type) {
    this.name = "local:" + type.getName();
  }

  @Override
  public void encodeToWire(Buffer buffer, T value) {
    throw new UnsupportedOperationException(name + " is local only");
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    throw new UnsupportedOperationException(name + " is local only");
  }

  @Override
  public T transform(T value) {
    return value;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
