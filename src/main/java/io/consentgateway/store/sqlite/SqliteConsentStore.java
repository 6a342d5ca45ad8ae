package io.consentgateway.store.sqlite;

import io.consentgateway.mapping.ConsentState;
import io.consentgateway.mapping.FieldChanges;
import io.consentgateway.mapping.RecentWrites;
import io.consentgateway.store.ActitoSubscriptionChange;
import io.consentgateway.store.BlockedTimeLog;
import io.consentgateway.store.BulkQueue.Execution;
import io.consentgateway.store.BulkQueue.ExecutionState;
import io.consentgateway.store.BulkQueue.SentFields;
import io.consentgateway.store.BulkQueue.Settlement;
import io.consentgateway.store.CallJournal;
import io.consentgateway.store.ClaimedDidomiWrite;
import io.consentgateway.store.ClaimedUser;
import io.consentgateway.store.DidomiWriteOutcome;
import io.consentgateway.store.ConsentStore;
import io.consentgateway.store.DeadLetterEntry;
import io.consentgateway.store.DispatchOutcome;
import io.consentgateway.store.IntegrationBacklog;
import io.consentgateway.store.UserRecord;
import io.consentgateway.store.WebhookSource;
import io.consentgateway.store.InboundWebhook;
import io.consentgateway.store.IngestOutcome;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ConsentStore} on one SQLite file in WAL mode. All writes go through one {@link
 * GroupCommitWriter} thread that commits many webhooks per transaction, and a {@link WalSyncer}
 * that fsyncs the WAL before any of them is acknowledged; no JDBC call ever runs on an event loop.
 */
public final class SqliteConsentStore implements ConsentStore, BlockedTimeLog, CallJournal {

  private static final Logger log = LoggerFactory.getLogger(SqliteConsentStore.class);

  private static final String INSERT_INBOX =
      "INSERT INTO webhook_inbox (integration, dedup_key, source, type, user_key, received_at, body)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (integration, dedup_key) DO NOTHING";

  private static final String READ_DESIRED =
      "SELECT desired, dirty_since FROM user_state WHERE integration = ? AND user_key = ?";

  // A merge that changed the state makes the user dirty; a user already waiting keeps its first
  // dirty time and its retry schedule (a new change does not cut a backoff short).
  private static final String MERGE_DESIRED =
      "INSERT INTO user_state (integration, user_key, desired, pending_changes, dirty_since, next_attempt_at, attempts, updated_at)"
          + " VALUES (?, ?, ?, 1, ?, ?, 0, ?)"
          + " ON CONFLICT (integration, user_key) DO UPDATE SET"
          + "   desired = excluded.desired,"
          + "   pending_changes = pending_changes + 1,"
          + "   dirty_since = COALESCE(dirty_since, excluded.dirty_since),"
          + "   next_attempt_at = COALESCE(next_attempt_at, excluded.next_attempt_at),"
          + "   updated_at = excluded.updated_at";

  private static final int REPLAY_PAGE = 500;

  private final Path path;
  private final GroupCommitWriter writer;
  private final SqliteReader reader;
  private final WalCheckpointer checkpointer;
  private final Clock clock;

  private SqliteConsentStore(Path path, GroupCommitWriter writer, SqliteReader reader, WalCheckpointer checkpointer,
      Clock clock) {
    this.path = path;
    this.writer = writer;
    this.reader = reader;
    this.checkpointer = checkpointer;
    this.clock = clock;
  }

  /**
   * Opens (creating if needed) the store file and starts its writer thread. Blocking: call it from
   * {@code main} or a worker, not from an event loop.
   */
  public static SqliteConsentStore open(Path path, int queueCapacity, int maxBatch, MeterRegistry registry) {
    return open(path, queueCapacity, maxBatch, registry, Clock.systemUTC());
  }

  /** As {@link #open(Path, int, int, MeterRegistry)}, reading the time of leases and outcomes from {@code clock}. */
  public static SqliteConsentStore open(Path path, int queueCapacity, int maxBatch, MeterRegistry registry,
      Clock clock) {
    return open(path, queueCapacity, maxBatch, registry, clock,
        io.consentgateway.config.IntegrationConfig.DispatchConfig.DEFAULT_IN_DOUBT_RECHECK_MS);
  }

  /**
   * As {@link #open(Path, int, int, MeterRegistry, Clock)}; {@code inDoubtRecheckMillis}: how long
   * after start-up the users whose dispatch the previous run left in flight (a crash) get their
   * whole state sent again (0: never), since Actito may still apply that last write, late.
   */
  public static SqliteConsentStore open(Path path, int queueCapacity, int maxBatch, MeterRegistry registry,
      Clock clock, long inDoubtRecheckMillis) {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(registry, "registry");
    try {
      Path parent = path.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      // the writer commits without waiting on the disk; WalSyncer fsyncs before anything is acknowledged
      Connection connection = connect(path, "NORMAL");
      SqliteSchema.migrate(connection);
      releaseLeases(connection, clock.millis(), inDoubtRecheckMillis);
      disableAutoCheckpoint(connection);
      GroupCommitWriter writer = new GroupCommitWriter(connection,
          () -> disableAutoCheckpoint(connect(path, "NORMAL")),
          failClosed -> new WalSyncer(path, registry, failClosed), queueCapacity, maxBatch, registry);
      SqliteReader reader = new SqliteReader(connect(path));
      WalCheckpointer checkpointer = new WalCheckpointer(path, 500);
      writer.start();
      StoreDiskMetrics.register(registry, path, writer::isAccepting);
      log.info("store open: {} (WAL, fsync before acknowledgement, queue {}, batch {})", path, queueCapacity, maxBatch);
      return new SqliteConsentStore(path, writer, reader, checkpointer, clock);
    } catch (Exception e) {
      throw new IllegalStateException("cannot open the store at " + path + ": " + e.getMessage(), e);
    }
  }

  static Connection connect(Path path) throws SQLException {
    return connect(path, "FULL");
  }

  static Connection connect(Path path, String synchronous) throws SQLException {
    Connection connection = DriverManager.getConnection("jdbc:sqlite:" + path.toAbsolutePath());
    try (Statement statement = connection.createStatement()) {
      statement.execute("PRAGMA journal_mode=WAL");
      statement.execute("PRAGMA synchronous=" + synchronous);
      statement.execute("PRAGMA busy_timeout=10000");
      statement.execute("PRAGMA foreign_keys=ON");
      // what is deleted (an erased person, pruned bodies) is overwritten, not left in free space
      statement.execute("PRAGMA secure_delete=ON");
    }
    connection.setAutoCommit(false);
    return connection;
  }

  public Path path() {
    return path;
  }

  @Override
  public Future<IngestOutcome> ingest(InboundWebhook webhook) {
    Future<IngestOutcome> stored = writer.submit(session -> insert(session, webhook));
    // a user.deleted that erased the person: the WAL's older frames still hold its rows
    return webhook.erasure() == InboundWebhook.Erasure.NONE ? stored : stored.onSuccess(outcome -> checkpointer.requestTruncate());
  }

  /**
   * Stores a webhook in the inbox under its delivery key; false when that key is already there (a
   * redelivery). The one place where idempotency is decided, for both sources.
   */
  static boolean storeInInbox(GroupCommitWriter.Session session, String integration, String dedupKey,
      WebhookSource source, String type, String userKey, long receivedAtMillis, byte[] body) throws SQLException {
    PreparedStatement insert = session.statement(INSERT_INBOX);
    insert.setString(1, integration);
    insert.setString(2, dedupKey);
    insert.setString(3, source.name());
    insert.setString(4, type);
    insert.setString(5, userKey);
    insert.setLong(6, receivedAtMillis);
    insert.setBytes(7, body);
    return insert.executeUpdate() > 0;
  }

  private static IngestOutcome insert(GroupCommitWriter.Session session, InboundWebhook webhook) throws SQLException {
    if (webhook.erasure() == InboundWebhook.Erasure.NOW) {
      return eraseOnRequest(session, webhook);
    }
    if (!storeInInbox(session, webhook.integration(), webhook.dedupKey(), webhook.source(), webhook.type(),
        webhook.userKey(), webhook.receivedAtMillis(), webhook.body())) {
      return IngestOutcome.DUPLICATE;
    }
    boolean dirty = merge(session, webhook);
    if (webhook.erasure() == InboundWebhook.Erasure.AFTER_DELIVERY) {
      if (!dirty) {
        return eraseOnRequest(session, webhook); // nothing to send Actito first
      }
      PreparedStatement mark = session.statement(
          "UPDATE user_state SET erase_after_delivery = 1 WHERE integration = ? AND user_key = ?");
      mark.setString(1, webhook.integration());
      mark.setString(2, webhook.userKey());
      mark.executeUpdate();
    }
    return IngestOutcome.ACCEPTED;
  }

  // the user is gone: keep only what recognises a redelivery — no user, no body
  private static IngestOutcome eraseOnRequest(GroupCommitWriter.Session session, InboundWebhook webhook)
      throws SQLException {
    if (webhook.erasure() == InboundWebhook.Erasure.NOW && !storeInInbox(session, webhook.integration(),
        webhook.dedupKey(), webhook.source(), webhook.type(), "", webhook.receivedAtMillis(), new byte[0])) {
      return IngestOutcome.DUPLICATE; // a redelivery must not erase what came after the deletion
    }
    UserErasure.erase(session, webhook.integration(), webhook.userKey(), webhook.receivedAtMillis());
    if (webhook.erasure() == InboundWebhook.Erasure.AFTER_DELIVERY) {
      storeInInbox(session, webhook.integration(), webhook.dedupKey(), webhook.source(), webhook.type(), "",
          webhook.receivedAtMillis(), new byte[0]);
    }
    return IngestOutcome.ACCEPTED;
  }

  /** Merges the webhook's changes into the user's state; answers whether the user has changes to send. */
  private static boolean merge(GroupCommitWriter.Session session, InboundWebhook webhook) throws SQLException {
    if (webhook.changes().isEmpty()) {
      return false; // kept for audit; changes nothing (pending, other regulation, ...)
    }
    // a Didomi webhook may only echo the gateway's own write-back: that carries no choice of its own
    FieldChanges changes = ClockAheadStamps.bounded(session, webhook);
    changes = !webhook.writesBack() ? changes
        : DidomiWrites.withoutEchoes(session, webhook.integration(), webhook.userKey(), changes,
            webhook.didomiEventId(), webhook.receivedAtMillis());
    PreparedStatement read = session.statement(READ_DESIRED);
    read.setString(1, webhook.integration());
    read.setString(2, webhook.userKey());
    ConsentState desired;
    boolean dirty;
    try (ResultSet rs = read.executeQuery()) {
      boolean known = rs.next();
      byte[] encoded = known ? rs.getBytes(1) : null;
      dirty = known && rs.getObject(2) != null;
      desired = encoded == null ? ConsentState.empty() : ConsentStateCodec.decode(encoded);
    }
    if (!desired.merge(changes)) {
      return dirty; // older than what the state already holds for every field
    }
    PreparedStatement merge = session.statement(MERGE_DESIRED);
    merge.setString(1, webhook.integration());
    merge.setString(2, webhook.userKey());
    merge.setBytes(3, ConsentStateCodec.encode(desired));
    merge.setLong(4, webhook.receivedAtMillis());
    merge.setLong(5, webhook.receivedAtMillis());
    merge.setLong(6, webhook.receivedAtMillis());
    merge.executeUpdate();
    return true;
  }


  private static Connection disableAutoCheckpoint(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("PRAGMA wal_autocheckpoint=0"); // the checkpointer thread does it
    }
    return connection;
  }

  // One process owns the file: leases left by a previous run (crash) end now, so that their users
  // are dispatched again at once instead of when the lease would have expired. The write each one
  // had in flight is in doubt: their whole state is sent again once Actito could have applied it.
  // a bulk execution's people stay leased to it across a restart: its outcome is polled first
  private static final String NOT_HELD_BY_A_BULK_EXECUTION = " AND NOT " + BulkWrites.HELD_BY_AN_EXECUTION;

  private static void releaseLeases(Connection connection, long now, long inDoubtRecheckMillis) throws SQLException {
    // what each one was sending counts as a recent write: Actito calling back with it is its late
    // echo, to check once the whole state was sent again, not a change made there
    try (PreparedStatement inFlight = connection.prepareStatement(
            "SELECT integration, user_key, sending, recent_writes FROM user_state WHERE leased <> 0 AND sending IS NOT NULL"
                + NOT_HELD_BY_A_BULK_EXECUTION);
        PreparedStatement remember = connection.prepareStatement(
            "UPDATE user_state SET recent_writes = ? WHERE integration = ? AND user_key = ?")) {
      List<String[]> updates = new ArrayList<>();
      try (ResultSet rs = inFlight.executeQuery()) {
        while (rs.next()) {
          ConsentState sending = ConsentStateCodec.decode(rs.getBytes(3));
          RecentWrites recent = RecentWritesCodec.decode(rs.getString(4));
          sending.subscriptions().forEach((name, value) -> recent.wrote(name, value, now));
          updates.add(new String[] {RecentWritesCodec.encode(recent), rs.getString(1), rs.getString(2)});
        }
      }
      for (String[] update : updates) {
        remember.setString(1, update[0]);
        remember.setString(2, update[1]);
        remember.setString(3, update[2]);
        remember.executeUpdate();
      }
    }
    try (PreparedStatement release = connection.prepareStatement(
            "UPDATE user_state SET leased = 0, sending = NULL, next_attempt_at = ?,"
                + " recheck_at = CASE WHEN ? THEN MAX(COALESCE(recheck_at, 0), ?) ELSE recheck_at END WHERE leased <> 0"
                + NOT_HELD_BY_A_BULK_EXECUTION);
        PreparedStatement releaseWrites = connection.prepareStatement(
            "UPDATE didomi_outbox SET leased = 0, next_attempt_at = ? WHERE leased <> 0")) {
      release.setLong(1, now);
      release.setInt(2, inDoubtRecheckMillis > 0 ? 1 : 0);
      release.setLong(3, now + inDoubtRecheckMillis);
      releaseWrites.setLong(1, now);
      int released = release.executeUpdate() + releaseWrites.executeUpdate();
      connection.commit();
      try (Statement statement = connection.createStatement();
          ResultSet rs = statement.executeQuery("SELECT MAX(leased) FROM user_state")) {
        if (rs.next()) {
          Leases.above(rs.getLong(1)); // the leases bulk executions still hold stay theirs
        }
      }
      if (released > 0) {
        log.info("released {} dispatch leases left by the previous run", released);
      }
    }
  }

  @Override
  public Future<List<ClaimedUser>> claimDue(String integration, int limit, long leaseMillis, Set<String> inFlight) {
    List<String> excluded = List.copyOf(inFlight); // copied here: the caller's set changes on its own thread
    return writer.submitControl(session -> 
        DispatchWrites.claimDue(session, integration, limit, leaseMillis, excluded, clock.millis()));
  }

  @Override
  public Future<Void> record(ClaimedUser user, DispatchOutcome outcome) {
    return writer.submitControl(session -> DispatchWrites.record(session, user, outcome, clock.millis()))
        .map(erased -> {
          if (erased) {
            checkpointer.requestTruncate();
          }
          return null;
        });
  }

  // ---- the bulk lane ----

  @Override
  public Future<List<Execution>> openExecutions(String integration) {
    return reader.read(c -> BulkWrites.openExecutions(c, integration));
  }

  @Override
  public Future<List<Execution>> recentExecutions(String integration, int limit) {
    return reader.read(c -> BulkWrites.recentExecutions(c, integration, limit));
  }

  @Override
  public Future<Integer> triggeredSince(String tableKey, long sinceMillis) {
    return reader.read(c -> BulkWrites.triggeredSince(c, tableKey, sinceMillis));
  }

  @Override
  public Future<Integer> dueCount(String integration, int cap) {
    return reader.read(c -> BulkWrites.dueCount(c, integration, clock.millis(), cap));
  }

  @Override
  public Future<Long> createExecution(String integration, String tableKey) {
    return writer.submitControl(session -> BulkWrites.createExecution(session, integration, tableKey, clock.millis()));
  }

  @Override
  public Future<List<ClaimedUser>> claimForExecution(long execution, int limit, Set<String> inFlight) {
    List<String> excluded = List.copyOf(inFlight);
    return writer.submitControl(session -> BulkWrites.claim(session, execution, limit, excluded, clock.millis()));
  }

  @Override
  public Future<Void> rowsSent(long execution, Map<String, SentFields> rows) {
    Map<String, SentFields> copy = Map.copyOf(rows);
    return writer.submitControl(session -> {
      BulkWrites.rowsSent(session, execution, copy);
      return null;
    });
  }

  @Override
  public Future<Void> updateExecution(long execution, ExecutionState state, String executionId, Integer rows, Long bytes,
      String detail) {
    return writer.submitControl(session -> {
      BulkWrites.updateExecution(session, execution, state, executionId, rows, bytes, detail, clock.millis());
      return null;
    });
  }

  @Override
  public Future<Integer> settle(long execution, Settlement settlement, String detail, int limit) {
    return writer.submitControl(session -> BulkWrites.settle(session, execution, settlement, detail, limit, clock.millis()));
  }

  @Override
  public Future<Optional<UserRecord>> user(String integration, String userKey, int historyLimit) {
    return reader.read(c -> OperatorQueries.user(c, integration, userKey, historyLimit));
  }

  @Override
  public Future<List<DeadLetterEntry>> deadLetters(String integration, int offset, int limit) {
    return reader.read(c -> OperatorQueries.deadLetters(c, integration, offset, limit));
  }

  @Override
  public Future<IntegrationBacklog> backlog(String integration) {
    return reader.read(c -> OperatorQueries.backlog(c, integration));
  }

  @Override
  public Future<Integer> replayDeadLetters(String integration, String userKeyOrNull) {
    return replayFrom(integration, userKeyOrNull, 0);
  }

  // A page per transaction, so replaying a large backlog never holds ingest's commits for long.
  private Future<Integer> replayFrom(String integration, String userKeyOrNull, int replayed) {
    return writer.submitControl(session -> DeadLetters.replay(session, integration, userKeyOrNull, REPLAY_PAGE, clock.millis()))
        .compose(count -> count < REPLAY_PAGE
            ? Future.succeededFuture(replayed + count)
            : replayFrom(integration, userKeyOrNull, replayed + count));
  }

  @Override
  public Future<Boolean> discardDeadLetter(String integration, String userKey) {
    return writer.submitControl(session -> DeadLetters.discard(session, integration, userKey, clock.millis()));
  }

  @Override
  public Future<IngestOutcome> ingestActito(ActitoSubscriptionChange change) {
    return writer.submit(session -> DidomiWrites.ingest(session, change));
  }

  @Override
  public Future<List<ClaimedDidomiWrite>> claimDidomiWrites(String integration, int limit, long leaseMillis, Set<String> inFlight) {
    List<String> excluded = List.copyOf(inFlight);
    return writer.submitControl(session -> 
        DidomiWrites.claimDue(session, integration, limit, leaseMillis, excluded, clock.millis()));
  }

  @Override
  public Future<Void> record(ClaimedDidomiWrite write, DidomiWriteOutcome outcome) {
    return writer.submitControl(session -> DidomiWrites.record(session, write, outcome, clock.millis()));
  }

  @Override
  public Future<Integer> eraseUser(String integration, String userKey) {
    return writer.submitControl(session -> UserErasure.erase(session, integration, userKey, clock.millis()))
        .onSuccess(rows -> {
          if (rows > 0) {
            checkpointer.requestTruncate(); // the WAL's older frames still hold the person's rows
          }
        });
  }

  @Override
  public Future<Integer> prune(long cutoffMillis, int batch) {
    return writer.submitControl(session -> UserErasure.prune(session, cutoffMillis, batch, clock.millis()));
  }

  @Override
  public Future<Void> setPaused(String integration, boolean paused) {
    return writer.submitControl(session -> {
      PreparedStatement upsert = session.statement(
          "INSERT INTO integration_state (integration, paused) VALUES (?, ?)"
              + " ON CONFLICT (integration) DO UPDATE SET paused = excluded.paused");
      upsert.setString(1, integration);
      upsert.setInt(2, paused ? 1 : 0);
      upsert.executeUpdate();
      return null;
    });
  }

  @Override
  public Future<List<Span>> resumeBlockedTime(long nowMillis, long keepSinceMillis) {
    return writer.submitControl(session -> BlockedTimeWrites.resume(session, nowMillis, keepSinceMillis));
  }

  @Override
  public Future<Void> callsStarted(String scope, List<Long> startedAtMillis) {
    if (startedAtMillis.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Long> times = List.copyOf(startedAtMillis);
    return writer.submitControl(session -> {
      PreparedStatement insert = session.statement("INSERT INTO licence_call (scope, started_at) VALUES (?, ?)");
      for (long at : times) {
        insert.setString(1, scope);
        insert.setLong(2, at);
        insert.executeUpdate();
      }
      return null;
    });
  }

  @Override
  public Future<List<Long>> callsSince(String scope, long sinceMillis) {
    return reader.read(c -> {
      try (PreparedStatement select = c.prepareStatement(
          "SELECT started_at FROM licence_call WHERE scope = ? AND started_at >= ? ORDER BY started_at")) {
        select.setString(1, scope);
        select.setLong(2, sinceMillis);
        List<Long> times = new java.util.ArrayList<>();
        try (ResultSet rs = select.executeQuery()) {
          while (rs.next()) {
            times.add(rs.getLong(1));
          }
        }
        return times;
      }
    });
  }

  @Override
  public Future<Integer> pruneCalls(long beforeMillis) {
    return writer.submitControl(session -> {
      PreparedStatement delete = session.statement("DELETE FROM licence_call WHERE started_at < ?");
      delete.setLong(1, beforeMillis);
      return delete.executeUpdate();
    });
  }

  @Override
  public Future<Void> alive(long nowMillis) {
    return writer.submitControl(session -> BlockedTimeWrites.alive(session, nowMillis));
  }

  @Override
  public Future<Long> blockStarted(String scope, String reason, long atMillis) {
    return writer.submitControl(session -> BlockedTimeWrites.started(session, scope, reason, atMillis));
  }

  @Override
  public Future<Void> blockEnded(long spanId, long atMillis) {
    return writer.submitControl(session -> BlockedTimeWrites.ended(session, spanId, atMillis));
  }

  @Override
  public Future<Integer> pruneBlockedTime(long beforeMillis) {
    return writer.submitControl(session -> BlockedTimeWrites.prune(session, beforeMillis));
  }

  @Override
  public int queueDepth() {
    return writer.queueDepth();
  }

  @Override
  public boolean isOpen() {
    return writer.isAccepting();
  }

  @Override
  public Future<Void> close() {
    return writer.close().eventually(() -> {
      reader.close();
      checkpointer.close();
      return Future.succeededFuture();
    });
  }
}
