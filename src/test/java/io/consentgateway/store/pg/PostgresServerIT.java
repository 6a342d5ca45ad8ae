package io.consentgateway.store.pg;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgateway.support.PostgresServer;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL the store's tests run against is a real server from Debian's package, started
 * and stopped by the test ({@link PostgresServer}), reached with vertx-pg-client, with the
 * durability settings the store will insist on: {@code synchronous_commit} and {@code fsync} on.
 * Where PostgreSQL cannot start, this fails: nothing skips.
 */
class PostgresServerIT {

  @Test
  void aThrowawayClusterStartsWithDurableCommitsAndTakesTransactions() {
    Vertx vertx = Vertx.vertx();
    try (PostgresServer server = PostgresServer.start()) {
      Pool pool = PgBuilder.pool()
          .connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(server.port()).setDatabase("postgres")
              .setUser(server.user()))
          .with(new PoolOptions().setMaxSize(4))
          .using(vertx)
          .build();
      try {
        Row settings = pool.query("SELECT current_setting('synchronous_commit'), current_setting('fsync')")
            .execute().await().iterator().next();
        assertThat(settings.getString(0)).isEqualTo("on");
        assertThat(settings.getString(1)).isEqualTo("on");

        pool.withTransaction(connection -> connection.query("CREATE TABLE probe (k text PRIMARY KEY, v int)").execute()
            .compose(v -> connection.preparedQuery("INSERT INTO probe (k, v) SELECT * FROM unnest($1::text[], $2::int[])")
                .execute(Tuple.tuple().addArrayOfString(new String[] {"a", "b"}).addArrayOfInteger(new Integer[] {1, 2}))))
            .await();
        List<Row> rows = new java.util.ArrayList<>();
        pool.query("SELECT k, v FROM probe ORDER BY k").execute().await().forEach(rows::add);
        assertThat(rows).extracting(row -> row.getString(0) + "=" + row.getInteger(1)).containsExactly("a=1", "b=2");
      } finally {
        pool.close().await();
      }
    } finally {
      vertx.close().await();
    }
  }
}
