package io.consentgateway.store.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consentgateway.support.PostgresServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL store's migrations and durability checks against a real server: versions applied
 * once and in order, nodes starting together taking turns under the advisory lock, a failed
 * migration rolled back whole, a database newer than the build refused, a server that does not
 * keep its commits refused.
 */
class PgMigrationsIT {

  private static Vertx vertx;
  private static PostgresServer server;
  private static int database;
  private Pool pool;

  @BeforeAll
  static void startServer() {
    vertx = Vertx.vertx();
    server = PostgresServer.start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
    vertx.close().await();
  }

  // a fresh database per test
  @BeforeEach
  void freshDatabase() {
    Pool admin = pool("postgres");
    String name = "t" + (++database);
    admin.query("CREATE DATABASE " + name).execute().await();
    admin.close().await();
    pool = pool(name);
  }

  private Pool pool(String name) {
    return PgBuilder.pool()
        .connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(server.port()).setDatabase(name)
            .setUser(server.user()))
        .with(new PoolOptions().setMaxSize(4))
        .using(vertx)
        .build();
  }

  private List<String> strings(String sql) {
    List<String> out = new ArrayList<>();
    pool.query(sql).execute().await().forEach(row -> out.add(String.valueOf(row.getValue(0))));
    return out;
  }

  @Test
  void migrationsRunOnceAndInOrder() {
    List<PgMigrations.Migration> migrations = PgMigrations.fromClasspath("db/test-migrations");

    assertThat(PgMigrations.apply(pool, migrations).await()).isEqualTo(2);
    assertThat(PgMigrations.apply(pool, migrations).await()).as("a second start changes nothing").isEqualTo(2);

    assertThat(strings("SELECT version || ':' || name FROM schema_version ORDER BY version"))
        .containsExactly("1:first", "2:second");
    assertThat(strings("SELECT k FROM first")).containsExactly("one");
  }

  @Test
  void nodesStartingTogetherTakeTurns() {
    List<PgMigrations.Migration> migrations = PgMigrations.fromClasspath("db/test-migrations");
    String name = "t" + database;
    List<Pool> nodes = List.of(pool(name), pool(name), pool(name), pool(name));

    // four nodes at once: without the lock two would run CREATE TABLE first, and one would fail
    List<Future<Integer>> starts = nodes.stream().map(node -> PgMigrations.apply(node, migrations)).toList();
    Future.join(starts).await();

    assertThat(starts).extracting(Future::result).containsOnly(2);
    assertThat(strings("SELECT count(*) FROM schema_version")).containsExactly("2");
    assertThat(strings("SELECT count(*) FROM first")).containsExactly("1");
    nodes.forEach(node -> node.close().await());
  }

  @Test
  void aFailedMigrationLeavesNothingBehindAndIsTriedAgain() {
    assertThatThrownBy(() -> PgMigrations.apply(pool, PgMigrations.fromClasspath("db/failing-migrations")).await())
        .isInstanceOf(PgMigrations.MigrationException.class).hasMessageContaining("V2__broken");

    assertThat(strings("SELECT max(version) FROM schema_version")).containsExactly("1");
    assertThat(strings("SELECT count(*) FROM pg_tables WHERE tablename = 'half'")).as("rolled back whole")
        .containsExactly("0");
    // the lock was let go: another node can start
    assertThat(PgMigrations.apply(pool, PgMigrations.fromClasspath("db/test-migrations")).await()).isEqualTo(2);
  }

  @Test
  void aDatabaseNewerThanTheBuildIsRefused() {
    PgMigrations.apply(pool, PgMigrations.fromClasspath("db/test-migrations")).await();
    List<PgMigrations.Migration> older = PgMigrations.fromClasspath("db/test-migrations").subList(0, 1);

    assertThatThrownBy(() -> PgMigrations.apply(pool, older).await())
        .isInstanceOf(PgMigrations.MigrationException.class)
        .hasMessageContaining("schema version 2 is newer than this build understands (1)");
  }

  @Test
  void aServerThatDoesNotKeepItsCommitsIsRefusedUnlessATestSaysOtherwise() {
    PgDurability.check(pool, false).await();

    pool.query("ALTER DATABASE t" + database + " SET synchronous_commit = off").execute().await();
    pool.close().await();
    pool = pool("t" + database); // new sessions take the database's setting

    assertThatThrownBy(() -> PgDurability.check(pool, false).await())
        .hasMessageContaining("synchronous_commit is off");
    PgDurability.check(pool, true).await();
  }
}
