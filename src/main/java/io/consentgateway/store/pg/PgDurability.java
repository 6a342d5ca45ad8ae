package io.consentgateway.store.pg;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;

/**
 * What the PostgreSQL store insists on before it acknowledges anything: commits that wait for the
 * WAL flush ({@code synchronous_commit} not {@code off}) and a server that flushes at all ({@code
 * fsync} on). Otherwise a 2xx to Didomi could name a change a crash of the server loses. Without a
 * synchronous standby this guarantees the primary's disk only.
 */
public final class PgDurability {

  private PgDurability() {}

  /**
   * Succeeds when the server's settings keep committed changes; fails naming the setting otherwise,
   * unless {@code allowUnsafe} (tests and benchmarks that want speed over durability).
   */
  public static Future<Void> check(Pool pool, boolean allowUnsafe) {
    return pool.query("SELECT current_setting('synchronous_commit'), current_setting('fsync')").execute()
        .compose(rows -> {
          Row row = rows.iterator().next();
          String synchronousCommit = row.getString(0);
          String fsync = row.getString(1);
          String problem = "off".equals(synchronousCommit) ? "synchronous_commit is off"
              : "off".equals(fsync) ? "fsync is off" : null;
          if (problem == null || allowUnsafe) {
            return Future.<Void>succeededFuture();
          }
          return Future.failedFuture(new IllegalStateException("the PostgreSQL server does not keep what it commits ("
              + problem + "): a change acknowledged to Didomi could be lost in a crash; set it on"));
        });
  }
}
