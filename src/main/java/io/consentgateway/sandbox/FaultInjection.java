package io.consentgateway.sandbox;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntConsumer;

/**
 * The faults injected into a sandbox ({@link FaultRule}s, each with what is left of its count),
 * and what they do to one call. Thread-safe: the server's event loop draws effects while tests and
 * admin endpoints add and clear rules; nothing here blocks.
 */
public final class FaultInjection {

  /** What the active faults do to one call: added latency, then a hang, an error status, or nothing. */
  public record Effect(long latencyMs, int status, String retryAfter, boolean hang) {
    public static final Effect NONE = new Effect(0, 0, null, false);

    /**
     * Plays this effect on a call once {@code extraDelayMs} (the sandbox's own delay) and the
     * injected latency have passed: a hang answers nothing (the client's timeout must cope); an
     * injected status sets {@code Retry-After} when the rule has one and lets {@code answerFault}
     * answer it in the sandbox's error form; otherwise {@code proceed} serves the call.
     */
    public void play(SandboxServer server, long extraDelayMs, HttpServerResponse response, IntConsumer answerFault,
        Runnable proceed) {
      server.after(extraDelayMs + latencyMs, () -> {
        if (hang) {
          return;
        }
        if (status != 0) {
          if (retryAfter != null) {
            response.putHeader("Retry-After", retryAfter);
          }
          answerFault.accept(status);
          return;
        }
        proceed.run();
      });
    }
  }

  private final List<FaultRule> rules = new ArrayList<>();
  private final List<Integer> remaining = new ArrayList<>();

  public synchronized void add(FaultRule rule) {
    rules.add(rule);
    remaining.add(rule.count());
  }

  public synchronized void clear() {
    rules.clear();
    remaining.clear();
  }

  public synchronized List<FaultRule> rules() {
    return List.copyOf(rules);
  }

  /**
   * Serves the admin resource {@code /_sandbox/faults}: {@code POST} adds the {@link FaultRule}
   * JSON in {@code body} (one rule or an array of them), {@code DELETE} clears them, and both, like
   * {@code GET}, answer {@code {"faults": [...]}}. False, answering nothing, for another method.
   *
   * @throws RuntimeException for a body that is no rule (the sandbox answers it 400)
   */
  public boolean serveAdmin(HttpMethod method, Buffer body, HttpServerResponse response) {
    if (method == HttpMethod.POST) {
      if (body.toString(StandardCharsets.UTF_8).trim().startsWith("[")) {
        body.toJsonArray().forEach(o -> add(FaultRule.fromJson((JsonObject) o)));
      } else {
        add(FaultRule.fromJson(body.toJsonObject()));
      }
    } else if (method == HttpMethod.DELETE) {
      clear();
    } else if (method != HttpMethod.GET) {
      return false;
    }
    var faults = new JsonArray();
    rules().forEach(f -> faults.add(f.toJson()));
    response.end(new JsonObject().put("faults", faults).encode());
    return true;
  }

  /** Draws the effect on a call to {@code path}, using up one of the count of each rule that fires. */
  public synchronized Effect effectFor(String path) {
    long latency = 0;
    int status = 0;
    String retryAfter = null;
    boolean hang = false;
    for (int i = 0; i < rules.size(); i++) {
      FaultRule rule = rules.get(i);
      int left = remaining.get(i);
      if (left == 0 || !rule.appliesTo(path)) {
        continue;
      }
      if (rule.ratio() < 1.0 && ThreadLocalRandom.current().nextDouble() >= rule.ratio()) {
        continue;
      }
      boolean terminal = rule.hang() || rule.status() != 0;
      if (terminal && (hang || status != 0)) {
        continue; // the first terminal fault wins; later ones keep their budget
      }
      if (left > 0) {
        remaining.set(i, left - 1);
      }
      latency += rule.latencyMs();
      if (rule.hang()) {
        hang = true;
      } else if (rule.status() != 0) {
        status = rule.status();
        retryAfter = rule.retryAfter();
      }
    }
    return latency == 0 && status == 0 && !hang ? Effect.NONE : new Effect(latency, status, retryAfter, hang);
  }
}
