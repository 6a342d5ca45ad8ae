package io.consentgateway.auth;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wrong credentials per source address, as a token bucket: an address has {@code perMinute}
 * failures in hand, one more every {@code 60 / perMinute} seconds, and with none left its attempts
 * are refused unchecked (429) until one comes back. Credentials that can be guessed count (client
 * secrets at {@code /oauth/token}, Actito webhook secrets); bearer tokens do not. At most {@link
 * #MAX_ADDRESSES} addresses are remembered, least recently failed first out, so a flood of
 * addresses costs bounded memory (it only forgets older ones' failures). Thread-safe, shared by
 * every ingest verticle of a Vert.x instance through {@link #shared}: each instance alone would
 * allow {@code perMinute} per core.
 */
public final class FailedAuthThrottle implements Shareable {

  private static final Logger log = LoggerFactory.getLogger(FailedAuthThrottle.class);

  public static final int MAX_ADDRESSES = 10_000;

  private final int perMinute;
  private final LongSupplier nanoClock;
  private final Map<String, Bucket> buckets = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
      return size() > MAX_ADDRESSES;
    }
  };

  /** @param perMinute failures allowed per address and minute; 0 never throttles */
  public FailedAuthThrottle(int perMinute, LongSupplier nanoClock) {
    this.perMinute = perMinute;
    this.nanoClock = nanoClock;
  }

  /** The one throttle of {@code vertx}'s ingest verticles (the first caller's {@code perMinute} wins). */
  public static FailedAuthThrottle shared(Vertx vertx, int perMinute) {
    return vertx.sharedData().<String, FailedAuthThrottle>getLocalMap("consent-gateway.auth")
        .computeIfAbsent("failed-auth-throttle", key -> new FailedAuthThrottle(perMinute, System::nanoTime));
  }

  public int perMinute() {
    return perMinute;
  }

  /** 0 when {@code address} may try its credentials now, else the whole seconds until it may. */
  public synchronized long retryAfterSeconds(String address) {
    if (perMinute == 0) {
      return 0;
    }
    Bucket bucket = buckets.get(address);
    if (bucket == null) {
      return 0;
    }
    refill(bucket);
    if (bucket.left >= 1) {
      return 0;
    }
    double seconds = (1 - bucket.left) * 60.0 / perMinute;
    return Math.max(1, (long) Math.ceil(seconds));
  }

  /** Counts a failure of {@code address}, and says so in the log once it has none left. */
  public void countFailure(String address) {
    if (failed(address)) {
      log.warn("{} failed to authenticate {} times within a minute: its attempts get 429 until its allowance refills",
          address, perMinute);
    }
  }

  /** Counts a failure of {@code address}; true when it used the last one in hand. */
  synchronized boolean failed(String address) {
    if (perMinute == 0) {
      return false;
    }
    Bucket bucket = buckets.computeIfAbsent(address, a -> new Bucket(perMinute, nanoClock.getAsLong()));
    refill(bucket);
    bucket.left = Math.max(0, bucket.left - 1);
    return bucket.left < 1;
  }

  synchronized int trackedAddresses() {
    return buckets.size();
  }

  private void refill(Bucket bucket) {
    long now = nanoClock.getAsLong();
    double minutes = (now - bucket.refilledAt) / (double) TimeUnit.MINUTES.toNanos(1);
    bucket.left = Math.min(perMinute, bucket.left + minutes * perMinute);
    bucket.refilledAt = now;
  }

  private static final class Bucket {
    double left;
    long refilledAt;

    Bucket(double left, long refilledAt) {
      this.left = left;
      this.refilledAt = refilledAt;
    }
  }
}
