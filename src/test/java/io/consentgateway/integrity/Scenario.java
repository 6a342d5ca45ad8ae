package io.consentgateway.integrity;

import io.consentgateway.support.FlattenedDidomi;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The randomized run, drawn from one seed: per user, the Didomi history (phase 1, in the past),
 * the Actito changes it will make, its phase-3 Didomi changes (in the future: they beat any Actito
 * change), decoys that must change nothing, and the order the phase-1 webhooks are delivered in.
 * What happens at run time (which Actito changes really changed something, what Didomi held when a
 * phase-3 change was made) is recorded on the {@link User} as the run goes, and {@link
 * User#expected()} is the oracle of guarantee 3 over that record.
 */
final class Scenario {

  enum Kind { EVENT_CREATED, USER_CREATED, USER_UPDATED }

  enum Format { NESTED, ENVELOPE_GDPR, FLATTENED_KEPT, FLATTENED_BY_INDEX }

  /** One Didomi change of a user, and the webhook the test posts for it. */
  static final class DidomiChange {
    final User user;
    final int phase;
    final int seq;
    final Instant at;
    final Kind kind;
    final Format format;
    final Consent delta;
    final boolean flattenOld;
    // known at generation for phase 1, when it is made for phase 3
    volatile Consent before;
    volatile Consent after;
    volatile Map<String, Boolean> sets = Map.of();
    // the Didomi facts the change sets (what differs from the user before it, for a user.updated)
    volatile Consent facts = Consent.NONE;
    volatile byte[] body;
    volatile Instant madeAt;

    DidomiChange(User user, int phase, int seq, Instant at, Kind kind, Format format, Consent delta, boolean flattenOld) {
      this.user = user;
      this.phase = phase;
      this.seq = seq;
      this.at = at;
      this.kind = kind;
      this.format = format;
      this.delta = delta;
      this.flattenOld = flattenOld;
    }

    String label() {
      return "phase-" + phase + " #" + seq + " " + kind + "/" + format + " at " + at;
    }

    @Override
    public String toString() {
      return label() + " delta " + delta + (before == null ? "" : " before " + before) + " sets " + sets
          + " facts " + facts;
    }
  }

  /** A change the user makes in Actito, as planned (which fields) and as made (values, outcome). */
  static final class ActitoChange {
    final int index;
    final List<String> fields;
    volatile Map<String, Boolean> provided = Map.of();
    volatile String outcome = "not made";
    volatile Instant madeAt;

    ActitoChange(int index, List<String> fields) {
      this.index = index;
      this.fields = fields;
    }

    boolean counts() {
      return "CHANGED".equals(outcome);
    }

    @Override
    public String toString() {
      return "actito #" + index + " " + provided + " " + outcome + (madeAt == null ? "" : " at " + madeAt);
    }
  }

  /** A webhook that must change nothing: another regulation, or an event not yet confirmed. */
  record Decoy(String label, byte[] body) {}

  static final class User {
    final int index;
    final String key;
    final List<DidomiChange> phase1 = new ArrayList<>();
    final List<ActitoChange> actito = new ArrayList<>();
    final List<DidomiChange> phase3 = new ArrayList<>();
    final List<Decoy> decoys = new ArrayList<>();
    final Random runtime; // run-time choices (Actito values), drawn from the seed too
    final AtomicInteger phase1Outstanding = new AtomicInteger();
    final List<String> notes = new CopyOnWriteArrayList<>();

    User(int index, String key, long seed) {
      this.index = index;
      this.key = key;
      this.runtime = new Random(seed * 31 + index);
    }

    Consent phase1Final() {
      return phase1.get(phase1.size() - 1).after;
    }

    /**
     * Guarantee 3 over what happened: per Didomi fact ({@link Consent.Facts}: a purpose's {@code
     * enabled}, a value's selection), the newest change wins, a Didomi change at its own timestamp
     * and an Actito change at its arrival, and the subscriptions are what the facts come to; with the phasing, phase-3
     * Didomi beats Actito beats phase-1 Didomi. Actito changes of a user are made one after
     * another, each once the previous one was delivered, so their arrival order is their order.
     */
    Map<String, Boolean> expected() {
      return expected(Set.of());
    }

    /**
     * As {@link #expected()}, without the Actito subscribes {@code dropped} names ({@code
     * "Newsletter=true"}): those the gateway could not tell from the late landing of a write in
     * doubt, and dropped by the documented tie rule (an unsubscribe wins).
     */
    Map<String, Boolean> expected(Set<String> dropped) {
      Consent.Facts facts = new Consent.Facts();
      phase1.stream().sorted((a, b) -> a.at.compareTo(b.at)).forEach(c -> facts.apply(c.facts));
      actito.stream().filter(ActitoChange::counts).forEach(a -> {
        Map<String, Boolean> kept = new LinkedHashMap<>(a.provided);
        kept.entrySet().removeIf(e -> e.getValue() && dropped.contains(e.getKey() + "=true"));
        facts.applyActito(kept);
      });
      phase3.stream().filter(c -> c.madeAt != null).sorted((a, b) -> a.at.compareTo(b.at)).forEach(c -> facts.apply(c.facts));
      return facts.mapped();
    }

    /** The {@code seq} metadata of the user's newest Didomi change: what Actito's attribute must hold. */
    String expectedSeq() {
      DidomiChange newest = null;
      for (DidomiChange c : phase1) {
        newest = newest == null || c.at.isAfter(newest.at) ? c : newest;
      }
      for (DidomiChange c : phase3) {
        if (c.madeAt != null && c.at.isAfter(newest.at)) {
          newest = c;
        }
      }
      return Integer.toString(newest.seq);
    }

    String story() {
      StringBuilder out = new StringBuilder();
      phase1.forEach(c -> out.append("\n    ").append(c));
      actito.forEach(a -> out.append("\n    ").append(a));
      phase3.forEach(c -> out.append("\n    ").append(c).append(c.madeAt == null ? " (never made)" : " made " + c.madeAt));
      decoys.forEach(d -> out.append("\n    decoy ").append(d.label()));
      notes.forEach(n -> out.append("\n    note: ").append(n));
      return out.toString();
    }
  }

  /** A webhook of phase 1, in the order the test delivers them (duplicates included). */
  record Post(User user, String label, byte[] body) {}

  final long seed;
  private boolean disabledPurposes = true;
  final Instant pastBase;
  final Instant futureBase;
  final List<User> users = new ArrayList<>();
  final List<Post> phase1Posts = new ArrayList<>();

  private Scenario(long seed, Instant now) {
    this.seed = seed;
    Instant day = now.truncatedTo(ChronoUnit.DAYS);
    this.pastBase = day.minus(Duration.ofDays(30));
    this.futureBase = day.plus(Duration.ofDays(3));
  }

  /**
   * @param disabledPurposes whether a change may disable the {@code marketing} purpose as a whole
   *     (drawn all the same; when not allowed, such a draw leaves {@code enabled} out)
   */
  static Scenario generate(long seed, int userCount, Instant now, boolean disabledPurposes) {
    Scenario scenario = new Scenario(seed, now);
    scenario.disabledPurposes = disabledPurposes;
    Random random = new Random(seed);
    for (int u = 0; u < userCount; u++) {
      User user = new User(u, String.format("user-%04d@integrity.example", u), seed);
      scenario.users.add(user);
      scenario.phase1(random, user);
      if (random.nextDouble() < 0.55) {
        int count = 1 + random.nextInt(3);
        for (int i = 0; i < count; i++) {
          double r = random.nextDouble();
          List<String> fields = r < 0.45 ? List.of(Consent.NEWSLETTER)
              : r < 0.75 ? List.of(Consent.SMS_OFFERS) : List.of(Consent.NEWSLETTER, Consent.SMS_OFFERS);
          user.actito.add(new ActitoChange(i + 1, fields));
        }
      }
      if (random.nextDouble() < 0.35) {
        int count = 1 + random.nextInt(2);
        for (int i = 0; i < count; i++) {
          Kind kind = random.nextDouble() < 0.55 ? Kind.EVENT_CREATED : Kind.USER_UPDATED;
          user.phase3.add(new DidomiChange(user, 3, 101 + i,
              scenario.futureBase.plusSeconds(u * 600L + i * 30L).plusMillis(random.nextInt(1000)),
              kind, format(random), scenario.delta(random, false), random.nextBoolean()));
        }
      }
      double d = random.nextDouble();
      if (d < 0.06) {
        user.decoys.add(scenario.decoy(user, random, true));
      } else if (d < 0.10) {
        user.decoys.add(scenario.decoy(user, random, false));
      }
    }
    for (User user : scenario.users) {
      for (DidomiChange change : user.phase1) {
        scenario.phase1Posts.add(new Post(user, change.label(), change.body));
        if (random.nextDouble() < 0.10) {
          scenario.phase1Posts.add(new Post(user, change.label() + " (redelivered)", change.body));
        }
      }
    }
    Collections.shuffle(scenario.phase1Posts, random);
    scenario.phase1Posts.forEach(p -> p.user().phase1Outstanding.incrementAndGet());
    return scenario;
  }

  private void phase1(Random random, User user) {
    int count = 1 + random.nextInt(4);
    Consent state = Consent.NONE;
    Instant previousAt = pastBase;
    for (int i = 0; i < count; i++) {
      Kind kind = i == 0
          ? (random.nextDouble() < 0.4 ? Kind.USER_CREATED : Kind.EVENT_CREATED)
          : (random.nextDouble() < 0.45 ? Kind.USER_UPDATED : Kind.EVENT_CREATED);
      Consent delta = delta(random, i == 0);
      Instant at = pastBase.plusSeconds(user.index * 600L + i * 30L).plusMillis(random.nextInt(1000));
      DidomiChange change = new DidomiChange(user, 1, i + 1, at, kind, format(random), delta, random.nextBoolean());
      change.before = state;
      change.after = state.with(delta);
      change.sets = switch (kind) {
        case EVENT_CREATED -> delta.mapped();
        case USER_CREATED -> change.after.mapped();
        case USER_UPDATED -> change.after.changedSince(change.before);
      };
      change.facts = switch (kind) {
        case EVENT_CREATED -> delta;
        case USER_CREATED -> change.after;
        case USER_UPDATED -> change.before.changedFacts(change.after);
      };
      change.body = body(change, i + 1, at, previousAt);
      change.madeAt = at;
      user.phase1.add(change);
      state = change.after;
      previousAt = at;
    }
  }

  private static Format format(Random random) {
    double r = random.nextDouble();
    return r < 0.08 ? Format.ENVELOPE_GDPR : r < 0.13 ? Format.FLATTENED_KEPT : r < 0.18 ? Format.FLATTENED_BY_INDEX
        : Format.NESTED;
  }

  private static final String[] SELECTIONS = {"sms", "email", "sms,email", "email, sms", ""};

  /** A partial consent change, never empty. */
  Consent delta(Random random, boolean first) {
    Boolean newsletter = random.nextDouble() < (first ? 0.85 : 0.6) ? random.nextBoolean() : null;
    boolean marketing = random.nextDouble() < 0.5;
    Boolean enabled = null;
    String channels = null;
    if (marketing) {
      double e = random.nextDouble();
      enabled = e < 0.45 ? Boolean.TRUE : e < 0.85 || !disabledPurposes ? null : Boolean.FALSE;
      channels = random.nextDouble() < 0.75 ? SELECTIONS[random.nextInt(SELECTIONS.length)] : null;
    }
    if (newsletter == null && !marketing) {
      newsletter = random.nextBoolean();
    }
    return new Consent(newsletter, marketing, enabled, channels);
  }

  private Decoy decoy(User user, Random random, boolean otherRegulation) {
    Instant at = futureBase.plus(Duration.ofDays(2)).plusSeconds(user.index);
    Consent values = new Consent(random.nextBoolean(), true, random.nextBoolean(), random.nextBoolean() ? "sms" : "email");
    JsonObject entity = eventEntity(user, "decoy-" + user.index, at, values, 999);
    JsonObject webhook = new JsonObject().put("type", "event.created").put("parameters", new JsonObject().put("entity", entity));
    String label;
    if (otherRegulation) {
      webhook.put("regulation", "cpra"); // the envelope's regulation: not this integration's
      entity.remove("regulation");
      label = "cpra envelope " + values;
    } else {
      entity.put("status", "pending_approval");
      label = "pending_approval " + values;
    }
    return new Decoy(label, utf8(webhook));
  }

  /** The webhook body of {@code change}: its kind, its format, the user's state around it. */
  byte[] body(DidomiChange change, int version, Instant at, Instant previousAt) {
    User user = change.user;
    String id = "evt-" + user.index + "-" + change.seq;
    JsonObject webhook = switch (change.kind) {
      case EVENT_CREATED -> new JsonObject().put("type", "event.created")
          .put("parameters", new JsonObject().put("entity", eventEntity(user, id, at, change.delta, change.seq)));
      case USER_CREATED -> new JsonObject().put("type", "user.created")
          .put("parameters", new JsonObject().put("entity", userEntity(user, change.after, version, at, change.seq)));
      case USER_UPDATED -> new JsonObject().put("type", "user.updated").put("parameters", new JsonObject()
          .put("source", new JsonObject().put("id", "src-" + id).put("created_at", at.toString()))
          .put("old_entity", userEntity(user, change.before, version - 1, previousAt, previousSeq(change)))
          .put("new_entity", userEntity(user, change.after, version, at, change.seq)));
    };
    byte[] nested = utf8(switch (change.format) {
      case ENVELOPE_GDPR -> webhook.put("regulation", "gdpr");
      default -> webhook;
    });
    return switch (change.format) {
      case FLATTENED_KEPT -> FlattenedDidomi.flatten(nested, FlattenedDidomi.Arrays.KEPT, change.flattenOld);
      case FLATTENED_BY_INDEX -> FlattenedDidomi.flatten(nested, FlattenedDidomi.Arrays.BY_INDEX, change.flattenOld);
      default -> nested;
    };
  }

  /** For a phase-3 {@code user.updated}: the old entity is what Didomi held when the change was made. */
  byte[] phase3UserUpdated(DidomiChange change, JsonObject heldUser) {
    User user = change.user;
    String id = "evt-" + user.index + "-" + change.seq;
    JsonObject old = heldUser.copy();
    int version = old.getInteger("version", 1) + 1;
    JsonObject updated = userEntity(user, change.after, version, change.at, change.seq);
    JsonObject webhook = new JsonObject().put("type", "user.updated").put("parameters", new JsonObject()
        .put("source", new JsonObject().put("id", "src-" + id).put("created_at", change.at.toString()))
        .put("old_entity", old)
        .put("new_entity", updated));
    if (change.format == Format.ENVELOPE_GDPR) {
      webhook.put("regulation", "gdpr");
    }
    byte[] nested = utf8(webhook);
    return switch (change.format) {
      case FLATTENED_KEPT -> FlattenedDidomi.flatten(nested, FlattenedDidomi.Arrays.KEPT, change.flattenOld);
      case FLATTENED_BY_INDEX -> FlattenedDidomi.flatten(nested, FlattenedDidomi.Arrays.BY_INDEX, change.flattenOld);
      default -> nested;
    };
  }

  private static int previousSeq(DidomiChange change) {
    return change.seq - 1;
  }

  private JsonObject eventEntity(User user, String id, Instant at, Consent delta, int seq) {
    JsonObject entity = new JsonObject()
        .put("id", id)
        .put("organization_id", "acme-org")
        .put("created_at", at.toString())
        .put("updated_at", at.toString())
        .put("status", "confirmed")
        .put("user", new JsonObject().put("id", "u-" + user.index).put("organization_user_id", user.key)
            .put("metadata", metadata(user, seq)))
        .put("consents", new JsonObject().put("purposes", delta.purposes()));
    if (user.index % 3 != 0) {
      entity.put("regulation", "gdpr"); // absent means gdpr too
    }
    return entity;
  }

  private JsonObject userEntity(User user, Consent consent, int version, Instant at, int seq) {
    return new JsonObject()
        .put("id", "u-" + user.index)
        .put("organization_id", "acme-org")
        .put("organization_user_id", user.key)
        .put("metadata", metadata(user, seq))
        .put("version", version)
        .put("created_at", pastBase.toString())
        .put("updated_at", at.toString())
        .put("consents", new JsonObject().put("purposes", consent.purposes()));
  }

  static JsonObject metadata(User user, int seq) {
    return new JsonObject().put("first_name", "User" + user.index).put("seq", Integer.toString(seq));
  }

  static byte[] utf8(JsonObject json) {
    return json.encode().getBytes(StandardCharsets.UTF_8);
  }
}
