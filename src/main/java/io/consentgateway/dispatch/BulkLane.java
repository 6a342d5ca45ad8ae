package io.consentgateway.dispatch;

import io.consentgateway.actito.ActitoClient;
import io.consentgateway.actito.TableStructure;
import io.consentgateway.config.BulkConfig;
import io.consentgateway.config.IntegrationConfig;
import io.consentgateway.config.MetadataAttributes;
import io.consentgateway.config.SubscriptionMapping;
import io.consentgateway.mapping.ActitoProfileUpdate;
import io.consentgateway.mapping.ConsentMapper;
import io.consentgateway.mapping.ConsentState;
import io.consentgateway.remote.RemoteCallException;
import io.consentgateway.remote.RemoteCallException.RetryReason;
import io.consentgateway.store.BulkQueue;
import io.consentgateway.store.BulkQueue.Execution;
import io.consentgateway.store.BulkQueue.ExecutionState;
import io.consentgateway.store.BulkQueue.SentFields;
import io.consentgateway.store.BulkQueue.Settlement;
import io.consentgateway.store.ClaimedUser;
import io.consentgateway.store.DispatchOutcome;
import io.consentgateway.store.DispatchQueue;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bulk lane of one integration: when the backlog is large, its people's newest state goes to
 * Actito as one file of a triggered ETL instead of one call each (docs/dispatch.md, "The bulk
 * lane").
 *
 * <p>One execution at a time per integration, driven by a timer on one Vert.x context: at start,
 * the executions a previous run left open are taken up first (a running one is polled before
 * anything else; one whose trigger's answer was lost is held for {@code inDoubtHoldMs}); then,
 * while the due backlog is at least {@code minBacklog}, the API lane would need longer than an
 * import, and the table's daily executions are not spent, the lane leases due people in chunks
 * ({@link BulkQueue#claimForExecution}), writes each one's newest state as a CSV row (key, the
 * table's attributes, one {@code TRUE}/{@code FALSE} column per mapped subscription; an empty cell
 * is a field the person has no value for), zips it, triggers the ETL and polls the execution.
 * {@code SUCCESS} acknowledges what the file carried; {@code WITH_ERROR} and {@code FAILED} send
 * the people back to the API lane, every field of theirs again. People in an execution stay
 * leased to it, so their newer changes go out after it, never before.
 *
 * <p>Every call (trigger, polls) goes through the licence's pacing gate like any other.
 */
public final class BulkLane extends io.vertx.core.VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(BulkLane.class);
  private static final int CHUNK = 2_000;
  private static final long TICK_MILLIS = 1_000;
  // a trigger Actito refused is not tried again at once: each try counts toward the daily limit
  private static final long RETRY_AFTER_FAILED_TRIGGER_MILLIS = 5 * 60_000;
  // while the table structure cannot be read: read it this often, and hold the API lane this long
  private static final long TABLE_RETRY_MILLIS = 10_000;
  private static final long TABLE_WAIT_HOLD_MILLIS = 120_000;
  private static final String FILE_PREFIX = "consent-gateway-bulk-";

  private final IntegrationDispatch dispatch;
  private final IntegrationConfig integration;
  private final BulkConfig config;
  private final BulkQueue store;
  private final DispatchQueue outcomes;
  private final ConsentMapper mapper;
  private final ActitoClient client;
  private final Clock clock;
  private final String tableKey;

  // all on the lane's context
  private boolean busy;
  private long timer = -1;
  private long nextPollAt;
  private volatile Execution current;
  private volatile int dueBacklog;
  private volatile int executionsToday;
  private volatile long lastDurationMillis;
  private volatile String lastDecision = "starting";
  private volatile Execution lastEnded;

  private final Counter.Builder executionsCounter;
  private final Counter.Builder rowsCounter;
  private final Timer duration;
  private final MeterRegistry registry;
  private final AtomicInteger running = new AtomicInteger();

  public BulkLane(IntegrationDispatch dispatch, BulkQueue store, DispatchQueue outcomes,
      ConsentMapper mapper, MeterRegistry registry, Clock clock) {
    this.dispatch = Objects.requireNonNull(dispatch, "dispatch");
    this.integration = dispatch.config();
    this.config = integration.actito().bulk();
    this.store = Objects.requireNonNull(store, "store");
    this.outcomes = Objects.requireNonNull(outcomes, "outcomes");
    this.mapper = Objects.requireNonNull(mapper, "mapper");
    this.client = dispatch.client();
    this.clock = Objects.requireNonNull(clock, "clock");
    var actito = integration.actito();
    this.tableKey = actito.baseUrl() + "|" + actito.entity() + "|" + actito.table();
    this.registry = registry;
    this.executionsCounter = Counter.builder("bulk.executions").description("Mass-import executions ended, by outcome")
        .tag("integration", integration.id());
    this.rowsCounter = Counter.builder("bulk.rows").description("People sent in mass-import files, by outcome")
        .tag("integration", integration.id());
    this.duration = Timer.builder("bulk.execution.duration").description("From trigger to end of a mass import")
        .tag("integration", integration.id()).register(registry);
    Gauge.builder("bulk.running", running, AtomicInteger::get).description("1 while a mass import is open")
        .tag("integration", integration.id()).register(registry);
    this.lastDurationMillis = config.expectedDurationMs();
  }

  /** Starts the lane's timer; the executions a previous run left open are taken up first. */
  @Override
  public Future<?> start() {
    startedAt = clock.millis();
    // files a crash left behind hold personal data: gone before anything else
    return vertx.executeBlocking(() -> {
      sweepFiles();
      return null;
    }, false).onComplete(swept -> timer = vertx.setPeriodic(0, TICK_MILLIS, id -> tick()));
  }

  @Override
  public Future<?> stop() {
    stopping = true; // a file being prepared is not triggered: its people go back to the lanes at start
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return Future.succeededFuture();
  }

  // this integration's files, older than an hour (a file lives for the seconds it is prepared and sent)
  private void sweepFiles() {
    Path dir = Path.of(System.getProperty("java.io.tmpdir"));
    String prefix = FILE_PREFIX + integration.id() + "-";
    try (var files = Files.list(dir)) {
      files.filter(path -> path.getFileName().toString().startsWith(prefix))
          .filter(path -> {
            try {
              return Files.getLastModifiedTime(path).toMillis() < System.currentTimeMillis() - 3_600_000L;
            } catch (IOException e) {
              return false;
            }
          })
          .forEach(path -> {
            try {
              Files.deleteIfExists(path);
              log.info("integration {}: deleted the bulk file {} a previous run left", integration.id(), path);
            } catch (IOException e) {
              log.warn("integration {}: cannot delete the bulk file {}: {}", integration.id(), path, e.getMessage());
            }
          });
    } catch (IOException e) {
      log.warn("integration {}: cannot look for bulk files left behind: {}", integration.id(), e.getMessage());
    }
  }

  private void tick() {
    if (busy) {
      return;
    }
    busy = true;
    // an open execution comes first: one a previous run left (polled before anything else), or ours
    Future<Void> step = current != null ? advance(current)
        : store.openExecutions(integration.id()).compose(open -> {
          if (open.isEmpty()) {
            return consider();
          }
          track(open.get(0));
          return store.triggeredSince(tableKey, dayStart()).compose(today -> {
            executionsToday = today;
            return advance(current);
          });
        });
    step.onComplete(done -> {
      if (done.failed()) {
        log.warn("integration {}: bulk lane: {}", integration.id(), done.cause().getMessage());
      }
      busy = false;
    });
  }

  private Future<Void> reload(long id) {
    return store.openExecutions(integration.id()).map(open -> {
      open.stream().filter(e -> e.id() == id).findFirst().ifPresentOrElse(this::track, () -> {
        current = null;
        running.set(0);
      });
      return null;
    });
  }

  private void track(Execution execution) {
    current = execution;
    running.set(1);
    nextPollAt = 0; // poll at once
  }

  // ---- an open execution ----

  private Future<Void> advance(Execution execution) {
    long now = clock.millis();
    return switch (execution.state()) {
      // paused: no call to Actito, polls included
      case RUNNING -> now < nextPollAt || dispatch.paused() ? Future.succeededFuture() : poll(execution);
      case IN_DOUBT -> {
        long since = execution.triggeredAtMillis() == null ? execution.createdAtMillis() : execution.triggeredAtMillis();
        yield now < since + config.inDoubtHoldMs() ? Future.succeededFuture()
            : settleAll(execution, Settlement.RESEND, "bulk execution " + execution.id()
                + ": its trigger's fate is unknown; every field is sent again");
      }
      case SUCCESS -> settleAll(execution, Settlement.DELIVERED, describe(execution, "SUCCESS"));
      case WITH_ERROR, FAILED -> settleAll(execution, Settlement.RESEND,
          describe(execution, execution.state().name()) + ": back to the API lane");
      // the trigger may have reached Actito (a crash, a store failure right after it): in doubt
      case TRIGGERING -> store.updateExecution(execution.id(), ExecutionState.IN_DOUBT, null, null, null,
              "the answer to its trigger was lost").compose(v -> reload(execution.id()));
      case PREPARING -> {
        log.info("integration {}: bulk execution {} was never triggered: its people go back to the lanes",
            integration.id(), execution.id());
        yield settleAll(execution, Settlement.FALL_BACK, "bulk execution " + execution.id() + " never triggered");
      }
      case SETTLED -> reload(execution.id());
    };
  }

  private Future<Void> poll(Execution execution) {
    nextPollAt = clock.millis() + config.pollIntervalMs();
    return client.importExecution(execution.executionId()).transform(polled -> {
      if (polled.failed()) {
        Throwable cause = polled.cause();
        if (cause instanceof RemoteCallException e && e.kind() == RemoteCallException.Kind.NOT_FOUND) {
          // Actito does not know it: it may have run or not, so it is in doubt
          return store.updateExecution(execution.id(), ExecutionState.IN_DOUBT, null, null, null,
              "Actito does not know execution " + execution.executionId()).compose(v -> reload(execution.id()));
        }
        log.info("integration {}: cannot read bulk execution {} yet: {}", integration.id(), execution.executionId(),
            cause.getMessage());
        return Future.succeededFuture();
      }
      String status = polled.result().getString("status");
      ExecutionState ended = switch (status) {
        case "SUCCESS" -> ExecutionState.SUCCESS;
        case "WITH_ERROR" -> ExecutionState.WITH_ERROR;
        case "FAILED" -> ExecutionState.FAILED;
        default -> null; // RUNNING, or a state not documented: still running
      };
      if (ended == null) {
        return Future.succeededFuture();
      }
      String detail = polled.result().encode();
      long took = clock.millis() - (execution.triggeredAtMillis() == null ? execution.createdAtMillis()
          : execution.triggeredAtMillis());
      duration.record(Duration.ofMillis(Math.max(0, took)));
      if (ended == ExecutionState.SUCCESS) {
        lastDurationMillis = Math.max(1_000, took);
      }
      executionsCounter.tag("outcome", ended.name().toLowerCase()).register(registry).increment();
      rowsCounter.tag("outcome", ended == ExecutionState.SUCCESS ? "delivered" : "fell_back").register(registry)
          .increment(execution.rows());
      log.info("integration {}: bulk execution {} (Actito {}) ended {} after {} s: {} people", integration.id(),
          execution.id(), execution.executionId(), ended, took / 1000, execution.rows());
      return store.updateExecution(execution.id(), ended, null, null, null, detail).compose(v -> reload(execution.id()));
    });
  }

  private Future<Void> settleAll(Execution execution, Settlement settlement, String detail) {
    return store.settle(execution.id(), settlement, detail, CHUNK).compose(settled -> {
      if (settled >= CHUNK) {
        return settleAll(execution, settlement, detail);
      }
      lastEnded = execution;
      current = null;
      running.set(0);
      dispatch.wakeApiLane();
      return Future.succeededFuture();
    });
  }

  private static String describe(Execution execution, String status) {
    return "bulk execution " + execution.id() + " (Actito " + execution.executionId() + ", " + execution.rows()
        + " people) ended " + status;
  }

  // ---- whether to start one ----

  /**
   * Whether the API lane should claim nothing now: an import is about to take the backlog, or is
   * being prepared. Calls spent on people a file carries anyway would be calls wasted.
   */
  public boolean holdsApiLane() {
    return wantsBacklog;
  }

  // decided on every tick, paused or not, so that a resume finds the API lane already held; held
  // until the first decision, so that a start-up with a large backlog spends no call on it first
  private volatile boolean wantsBacklog = true;
  private long noImportBefore;
  private long nextTableRead;
  private long startedAt;
  // the last execution of an earlier run, read once: its outcome and a refused trigger's wait
  private boolean lastReadAtStart;
  private volatile boolean stopping;
  // people whose state a file cannot carry (an attribute cleared to "": an empty cell leaves it as
  // it is): the API lane sends them; bounded, forgotten when full
  private final Set<String> apiOnly = new java.util.HashSet<>();

  private Future<Void> noImport() {
    wantsBacklog = false;
    return Future.succeededFuture();
  }

  private Future<Void> consider() {
    TableStructure table = dispatch.table();
    if (table == null) {
      long now = clock.millis();
      if (now >= nextTableRead) {
        nextTableRead = now + TABLE_RETRY_MILLIS;
        dispatch.refreshTable(); // never fails: the next tick looks again
      }
      lastDecision = "waiting for the table structure";
      // an import is likely once it is read: the API lane waits for it, a while
      return now - startedAt > TABLE_WAIT_HOLD_MILLIS ? noImport()
          : store.dueCount(integration.id(), config.minBacklog()).map(due -> {
            dueBacklog = due;
            wantsBacklog = due >= config.minBacklog();
            return null;
          });
    }
    if (lastReadAtStart) {
      return decide(table); // after the first decision, the lane itself knows what it did
    }
    return store.recentExecutions(integration.id(), 1).compose(recent -> {
      lastReadAtStart = true;
      if (!recent.isEmpty()) {
        Execution latest = recent.get(0);
        if (lastEnded == null && latest.state() == ExecutionState.SETTLED) {
          lastEnded = latest; // what /status shows after a restart
        }
        // a trigger Actito refused (sent, no execution id): the wait outlives a restart
        if (latest.executionId() == null && latest.triggeredAtMillis() != null && latest.state() == ExecutionState.SETTLED) {
          noImportBefore = Math.max(noImportBefore, latest.triggeredAtMillis() + RETRY_AFTER_FAILED_TRIGGER_MILLIS);
        }
      }
      return decide(table);
    });
  }

  private Future<Void> decide(TableStructure table) {
    if (clock.millis() < noImportBefore) {
      lastDecision = "the last trigger failed: the API lane drains until " + Instant.ofEpochMilli(noImportBefore);
      wantsBacklog = false;
      return Future.succeededFuture();
    }
    return Future.all(store.dueCount(integration.id(), Math.max(config.minBacklog(), config.maxRowsPerExecution())),
            store.triggeredSince(tableKey, dayStart()))
        .compose(read -> {
          int due = read.resultAt(0);
          int today = read.resultAt(1);
          dueBacklog = due;
          executionsToday = today;
          wantsBacklog = false;
          if (due < config.minBacklog()) {
            lastDecision = "backlog " + due + " under minBacklog " + config.minBacklog();
            return Future.succeededFuture();
          }
          if (apiMillis(due) <= lastDurationMillis) {
            lastDecision = "the API lane drains " + due + " people sooner than an import";
            return Future.succeededFuture();
          }
          if (today >= config.maxExecutionsPerDay()) {
            lastDecision = "the table's " + config.maxExecutionsPerDay() + " executions of the day are spent";
            return Future.succeededFuture();
          }
          wantsBacklog = true;
          if (dispatch.paused() || dispatch.licenceBlocked()) {
            lastDecision = dispatch.paused() ? "paused (an import is due on resume)" : "licence blocked";
            return Future.succeededFuture();
          }
          lastDecision = "importing";
          return prepare(table).eventually(() -> {
            wantsBacklog = false;
            return Future.succeededFuture();
          });
        });
  }

  private long dayStart() {
    return LocalDate.now(clock.withZone(ZoneOffset.UTC)).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
  }

  private long apiMillis(int people) {
    return people * 60_000L / Math.max(1, integration.actito().callsPerMinute());
  }

  // ---- preparing and triggering one ----

  private List<String> header(TableStructure table) {
    var columns = new LinkedHashSet<String>();
    columns.add(integration.actito().userUniqueKey());
    if (integration.metadataAttributes().mode() != MetadataAttributes.Mode.NONE) {
      for (String name : table.attributes().keySet()) {
        if (!name.equals(integration.actito().userUniqueKey()) && !name.equals("profileId")
            && integration.metadataAttributes().includes(name)) {
          columns.add(name);
        }
      }
    }
    for (SubscriptionMapping mapping : integration.mappings()) {
      columns.add(mapping.subscription());
    }
    return List.copyOf(columns);
  }

  private Future<Void> prepare(TableStructure table) {
    List<String> header = header(table);
    Path file;
    try {
      file = Files.createTempFile(FILE_PREFIX + integration.id() + "-", ".zip");
    } catch (IOException e) {
      return Future.failedFuture(e);
    }
    return store.createExecution(integration.id(), tableKey).compose(id -> {
      ZipFile zip = new ZipFile(file, header);
      return vertx.executeBlocking(zip::open, true)
          .compose(v -> fill(id, table, zip, 0))
          .compose(rows -> vertx.executeBlocking(zip::close, true).map(rows))
          .compose(rows -> {
            if (rows == 0) {
              // nothing a file could carry (all cleared attributes, or taken meanwhile): let the API lane work
              noImportBefore = clock.millis() + 60_000;
            }
            return Future.succeededFuture(rows);
          })
          .compose(rows -> rows == 0 || stopping
              ? settleAll(new Execution(id, integration.id(), tableKey, ExecutionState.PREPARING, null, 0, 0,
                  clock.millis(), null, null, null), Settlement.FALL_BACK, stopping ? "the gateway stopped before the trigger"
                  : "nothing to import")
              : trigger(id, file, rows, zip.planned()))
          .eventually(() -> vertx.executeBlocking(() -> {
            zip.abandon();
            Files.deleteIfExists(file); // the file holds personal data: never left behind
            return null;
          }, false))
          // whatever failed half-way, the store says where the execution stands: the next ticks finish it
          .recover(err -> reload(id).transform(v -> Future.<Void>failedFuture(err)));
    });
  }

  // claims chunk after chunk until the row or byte limit, or no one is due
  private Future<Integer> fill(long id, TableStructure table, ZipFile zip, int rows) {
    int room = Math.min(CHUNK, config.maxRowsPerExecution() - rows);
    if (room <= 0 || stopping || zip.planned() >= config.maxFileBytes()) {
      return Future.succeededFuture(rows);
    }
    Set<String> excluded;
    synchronized (apiOnly) {
      excluded = Set.copyOf(apiOnly);
    }
    return store.claimForExecution(id, room, excluded).compose(claimed -> {
      if (claimed.isEmpty()) {
        return Future.succeededFuture(rows);
      }
      Map<String, SentFields> sent = new HashMap<>();
      List<List<String>> lines = new ArrayList<>();
      List<Future<Void>> others = new ArrayList<>();
      boolean full = false;
      for (ClaimedUser user : claimed) {
        ActitoProfileUpdate changed = full ? null
            : mapper.updateFor(user.desired(), user.acknowledged(), table::hasAttribute, user.refused());
        if (changed != null && changed.isEmpty()) {
          others.add(outcomes.record(user, new DispatchOutcome.NothingToSend()));
          continue;
        }
        // the newest state, every field the person has: the file is idempotent
        ActitoProfileUpdate state = full ? null
            : mapper.updateFor(user.desired(), ConsentState.empty(), table::hasAttribute, user.refused());
        if (state != null && state.attributes().values().stream().anyMatch(value -> value.text().isEmpty())) {
          // an empty cell would leave the attribute as it is, not clear it: the API lane sends it
          synchronized (apiOnly) {
            if (apiOnly.size() >= 10_000) {
              apiOnly.clear();
            }
            apiOnly.add(user.userKey());
          }
          others.add(outcomes.record(user, new DispatchOutcome.Released("an attribute cleared: sent by the API")));
          continue;
        }
        List<String> line = state == null ? null : row(zip.header(), user.userKey(), state);
        if (full || !zip.plan(line, config.maxFileBytes())) {
          full = true; // the file is full: the rest of the chunk is due again, for the next file or the API
          others.add(outcomes.record(user, new DispatchOutcome.Released("the file is full")));
          continue;
        }
        lines.add(line);
        sent.put(user.userKey(), new SentFields(state.subscriptions().keySet(), state.attributes().keySet()));
      }
      boolean last = full || claimed.size() < room;
      return Future.all(others)
          .compose(v -> store.rowsSent(id, sent))
          .compose(v -> vertx.executeBlocking(() -> {
            zip.write(lines);
            return null;
          }, true))
          .compose(v -> last ? Future.succeededFuture(rows + lines.size()) : fill(id, table, zip, rows + lines.size()));
    });
  }

  private static List<String> row(List<String> header, String key, ActitoProfileUpdate update) {
    List<String> cells = new ArrayList<>(header.size());
    cells.add(key);
    for (int i = 1; i < header.size(); i++) {
      String column = header.get(i);
      Boolean subscribed = update.subscriptions().get(column);
      if (subscribed != null) {
        cells.add(subscribed ? "TRUE" : "FALSE");
      } else {
        var value = update.attributes().get(column);
        cells.add(value == null ? "" : value.text());
      }
    }
    return cells;
  }

  private Future<Void> trigger(long id, Path file, int rows, long bytes) {
    return store.updateExecution(id, ExecutionState.TRIGGERING, null, rows, bytes, null)
        .compose(v -> {
          executionsToday++; // counted from the trigger on, whatever Actito answers
          return vertx.fileSystem().readFile(file.toString());
        })
        .compose(zip -> client.triggerImport(config.etlId(), config.filePart(), "consents-" + id + ".zip", zip)
            .transform(triggered -> {
              if (triggered.succeeded()) {
                log.info("integration {}: bulk execution {} triggered (Actito {}): {} people, {} bytes of CSV",
                    integration.id(), id, triggered.result(), rows, bytes);
                return store.updateExecution(id, ExecutionState.RUNNING, triggered.result(), null, null, null);
              }
              Throwable cause = triggered.cause();
              // Actito may have started it: no answer, a 5xx, or a 2xx it did not say it under which id
              boolean inDoubt = !(cause instanceof RemoteCallException e) || e.isRetryable()
                  && (e.retryReason() == RetryReason.TIMEOUT || e.retryReason() == RetryReason.CONNECTION
                  || e.retryReason() == RetryReason.SERVER_ERROR);
              noImportBefore = clock.millis() + RETRY_AFTER_FAILED_TRIGGER_MILLIS;
              log.warn("integration {}: the trigger of bulk execution {} failed{}: {}", integration.id(), id,
                  inDoubt ? " (it may still run: its people are held)" : "", cause.getMessage());
              return store.updateExecution(id, inDoubt ? ExecutionState.IN_DOUBT : ExecutionState.FAILED, null, null,
                  null, "trigger: " + cause.getMessage()).map(x -> (Void) null)
                  .compose(x -> inDoubt ? Future.succeededFuture()
                      : settleAll(new Execution(id, integration.id(), tableKey, ExecutionState.PREPARING, null, rows,
                          bytes, clock.millis(), null, null, null), Settlement.FALL_BACK,
                          "bulk execution " + id + " not started: " + cause.getMessage()));
            }))
        .compose(v -> reload(id));
  }

  // ---- the operator's view ----

  /** The lane for {@code /status}: in use, backlog due, executions today, the open execution, the drain ETA. */
  public JsonObject status(long backlog) {
    Execution open = current;
    long now = clock.millis();
    JsonObject json = new JsonObject()
        .put("enabled", true)
        .put("etlId", config.etlId())
        .put("lane", open != null ? "bulk" : "api")
        .put("decision", lastDecision)
        .put("dueBacklog", dueBacklog)
        .put("minBacklog", config.minBacklog())
        .put("executionsToday", executionsToday)
        .put("maxExecutionsPerDay", config.maxExecutionsPerDay())
        .put("running", open == null ? null : execution(open, now))
        .put("last", lastEnded == null ? null : execution(lastEnded, now));
    if (dispatch.licenceBlocked()) {
      return json.put("drainEtaSeconds", null); // nothing moves until the licence lets calls through
    }
    long eta;
    if (open != null) {
      long since = open.triggeredAtMillis() == null ? open.createdAtMillis() : open.triggeredAtMillis();
      // in doubt: its people wait out the hold, then go again
      long importLeft = Math.max(0, since + (open.state() == ExecutionState.IN_DOUBT ? config.inDoubtHoldMs()
          + lastDurationMillis : lastDurationMillis) - now);
      eta = importLeft + apiMillis((int) Math.max(0, backlog - open.rows()));
    } else if (backlog >= config.minBacklog() && executionsToday < config.maxExecutionsPerDay()) {
      eta = Math.min(apiMillis((int) backlog), lastDurationMillis);
    } else {
      eta = apiMillis((int) backlog);
    }
    return json.put("drainEtaSeconds", eta / 1000);
  }

  private static JsonObject execution(Execution e, long now) {
    return new JsonObject()
        .put("id", e.id())
        .put("executionId", e.executionId())
        .put("state", e.state().name())
        .put("rows", e.rows())
        .put("bytes", e.bytes())
        .put("triggeredAt", e.triggeredAtMillis() == null ? null : Instant.ofEpochMilli(e.triggeredAtMillis()).toString())
        .put("ageSeconds", e.triggeredAtMillis() == null ? null : Math.max(0, now - e.triggeredAtMillis()) / 1000);
  }

  /** One execution's ZIP of one CSV, written on worker threads, chunk after chunk. */
  private static final class ZipFile {
    private final Path path;
    private final List<String> header;
    private ZipOutputStream zip;
    private Writer writer;
    private CSVPrinter csv;
    // the bytes of CSV the rows accepted so far take, the header's included: what the file holds once written
    private long planned;

    ZipFile(Path path, List<String> header) {
      this.path = path;
      this.header = header;
      this.planned = size(header);
    }

    List<String> header() {
      return header;
    }

    /** The bytes of CSV the rows accepted so far take, the header's included. */
    synchronized long planned() {
      return planned;
    }

    /** Whether {@code row} still fits under {@code max} bytes of CSV; if so it counts from now on. */
    synchronized boolean plan(List<String> row, long max) {
      long size = size(row);
      if (planned + size > max) {
        return false;
      }
      planned += size;
      return true;
    }

    // at most what the row takes in RFC 4180: every cell quoted, every quote doubled, a separator, CRLF
    private static long size(List<String> row) {
      long size = 2;
      for (String cell : row) {
        byte[] bytes = cell.getBytes(StandardCharsets.UTF_8);
        long quotes = 0;
        for (byte b : bytes) {
          if (b == '"') {
            quotes++;
          }
        }
        size += bytes.length + quotes + 3;
      }
      return size;
    }

    synchronized Void open() throws IOException {
      zip = new ZipOutputStream(Files.newOutputStream(path), StandardCharsets.UTF_8);
      zip.putNextEntry(new ZipEntry("consents.csv"));
      writer = new OutputStreamWriter(zip, StandardCharsets.UTF_8); // no BOM
      csv = new CSVPrinter(writer, CSVFormat.RFC4180);
      write(List.of(header));
      return null;
    }

    synchronized void write(List<List<String>> rows) throws IOException {
      for (List<String> row : rows) {
        csv.printRecord(row);
      }
      csv.flush();
    }

    synchronized Void close() throws IOException {
      csv.flush();
      zip.closeEntry();
      zip.close();
      zip = null;
      return null;
    }

    synchronized void abandon() {
      if (zip != null) {
        try {
          zip.close();
        } catch (IOException ignored) {
          // the file is deleted next
        }
        zip = null;
      }
    }
  }
}
