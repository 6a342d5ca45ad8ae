package io.consentgateway.config;

import java.util.Objects;

/**
 * The bulk lane of one integration ({@code actito.bulk}): when the backlog of users with changes
 * to send passes {@code minBacklog} and the API lane would need longer than an import, their newest
 * state goes to Actito as one zipped CSV per execution of the operator's triggered ETL {@code
 * etlId} (Actito's mass-import API), at most {@code maxExecutionsPerDay} per table per UTC day.
 *
 * @param etlMode the mode the ETL is defined with in Actito; an update-only integration needs
 *     {@link EtlMode#UPDATE_ONLY}, so that an import never creates a profile
 * @param filePart the name of the multipart part that carries the ZIP
 * @param maxRowsPerExecution people in one file at most
 * @param maxFileBytes the CSV of one execution at most (Actito takes files up to 100 MB)
 * @param pollIntervalMs how often a running execution is asked for its status (each poll is a call)
 * @param expectedDurationMs how long an import is taken to last until one was measured
 * @param inDoubtHoldMs how long the people of a trigger whose answer was lost stay held (the
 *     import may still run): their newer changes go out only after it
 */
public record BulkConfig(
    boolean enabled,
    String etlId,
    int minBacklog,
    int maxExecutionsPerDay,
    String filePart,
    EtlMode etlMode,
    int maxRowsPerExecution,
    long maxFileBytes,
    long pollIntervalMs,
    long expectedDurationMs,
    long inDoubtHoldMs) {

  /** How the operator defined the ETL in Actito. */
  public enum EtlMode {
    CREATE_UPDATE, UPDATE_ONLY
  }

  public static final int DEFAULT_MIN_BACKLOG = 5_000;
  public static final int DEFAULT_MAX_EXECUTIONS_PER_DAY = 24;
  public static final int DEFAULT_MAX_ROWS = 1_000_000;
  public static final long MAX_FILE_BYTES = 100L * 1024 * 1024;
  public static final long DEFAULT_POLL_INTERVAL_MS = 30_000;
  public static final long DEFAULT_EXPECTED_DURATION_MS = 10 * 60_000;
  public static final long DEFAULT_IN_DOUBT_HOLD_MS = 60 * 60_000;

  /** No bulk lane: every change goes through the profile API. */
  public static final BulkConfig DISABLED = new BulkConfig(false, "", DEFAULT_MIN_BACKLOG, DEFAULT_MAX_EXECUTIONS_PER_DAY,
      "inputFile", EtlMode.UPDATE_ONLY, DEFAULT_MAX_ROWS, MAX_FILE_BYTES, DEFAULT_POLL_INTERVAL_MS,
      DEFAULT_EXPECTED_DURATION_MS, DEFAULT_IN_DOUBT_HOLD_MS);

  public BulkConfig {
    Objects.requireNonNull(etlId, "etlId");
    Objects.requireNonNull(filePart, "filePart");
    Objects.requireNonNull(etlMode, "etlMode");
  }

  /** This lane, on ETL {@code etlId} in {@code mode}, taking any backlog of at least {@code minBacklog}. */
  public static BulkConfig enabled(String etlId, EtlMode mode, int minBacklog) {
    return new BulkConfig(true, etlId, minBacklog, DEFAULT_MAX_EXECUTIONS_PER_DAY, "inputFile", mode, DEFAULT_MAX_ROWS,
        MAX_FILE_BYTES, DEFAULT_POLL_INTERVAL_MS, DEFAULT_EXPECTED_DURATION_MS, DEFAULT_IN_DOUBT_HOLD_MS);
  }

  public BulkConfig withPollIntervalMs(long millis) {
    return new BulkConfig(enabled, etlId, minBacklog, maxExecutionsPerDay, filePart, etlMode, maxRowsPerExecution,
        maxFileBytes, millis, expectedDurationMs, inDoubtHoldMs);
  }
}
