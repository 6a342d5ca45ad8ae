package io.consentgateway.sandbox;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntSupplier;

/**
 * The calls a sandbox received, newest last, bounded: beyond the limit the oldest are forgotten.
 * Not thread-safe on its own: its owner (the sandbox's state) calls it under its own lock, together
 * with whatever else that state counts per call.
 *
 * @param <C> the sandbox's form of a call in flight
 */
public final class CallLog<C extends CallLog.Call> {

  /** The mutable form of one call while it is in flight; ended once, when answered or abandoned. */
  public static class Call {
    private final long sequence;
    private final String method;
    private final String path;
    private final long startedAtMs;
    long endedAtMs;
    int status;
    String requestBody;
    String responseBody;
    boolean ended;

    public Call(long sequence, String method, String path, long startedAtMs) {
      this.sequence = sequence;
      this.method = method;
      this.path = path;
      this.startedAtMs = startedAtMs;
    }

    public long sequence() {
      return sequence;
    }

    public String method() {
      return method;
    }

    public String path() {
      return path;
    }

    /** Epoch milliseconds when the request arrived. */
    public long startedAtMs() {
      return startedAtMs;
    }

    /** Epoch milliseconds when it was answered or abandoned; 0 while in flight. */
    public long endedAtMs() {
      return endedAtMs;
    }

    /** 0 while unanswered or never answered. */
    public int status() {
      return status;
    }

    public String requestBody() {
      return requestBody;
    }

    public String responseBody() {
      return responseBody;
    }

    public boolean ended() {
      return ended;
    }
  }

  /** Makes the sandbox's form of a call that arrived at {@code startedAtMs}. */
  @FunctionalInterface
  public interface CallFactory<C> {
    C create(long sequence, String method, String path, long startedAtMs);
  }

  private final CallFactory<C> factory;
  private final IntSupplier limit;
  private final Deque<C> calls = new ArrayDeque<>();
  private long nextSequence = 1;

  /** {@code limit}: how many calls to keep, read at every new call. */
  public CallLog(CallFactory<C> factory, IntSupplier limit) {
    this.factory = factory;
    this.limit = limit;
  }

  /** Logs a call that just arrived. */
  public C begin(String method, String path) {
    C call = factory.create(nextSequence++, method, path, System.currentTimeMillis());
    calls.addLast(call);
    while (calls.size() > limit.getAsInt()) {
      calls.pollFirst();
    }
    return call;
  }

  public void recordBody(C call, String body) {
    call.requestBody = body;
  }

  /** Ends a call once; false when it had already ended (answered, or the client went away). */
  public boolean end(C call, int status, String responseBody) {
    if (call.ended) {
      return false;
    }
    call.ended = true;
    call.endedAtMs = System.currentTimeMillis();
    call.status = status;
    call.responseBody = responseBody;
    return true;
  }

  /** Every logged call, oldest first, in the form {@code snapshot} makes. */
  public <R> List<R> snapshot(Function<? super C, R> snapshot) {
    var out = new ArrayList<R>(calls.size());
    for (C call : calls) {
      out.add(snapshot.apply(call));
    }
    return out;
  }

  /** Forgets finished calls; those still in flight stay, so they can still end. */
  public void forgetEnded() {
    calls.removeIf(c -> c.ended);
  }
}
