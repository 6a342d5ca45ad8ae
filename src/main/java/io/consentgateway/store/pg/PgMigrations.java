package io.consentgateway.store.pg;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL store's schema migrations: plain versioned SQL files in the repository
 * ({@code V1__name.sql}, {@code V2__…}, listed in order in the folder's {@code index.txt}),
 * applied at start-up under a session advisory lock, so that nodes starting together take turns
 * and each migration runs once. Each runs in its own transaction, its version row inserted first,
 * so a failed migration leaves nothing behind, and the next start tries it again. A database whose
 * schema is newer than this build's migrations is refused: an older node must not write to it.
 */
public final class PgMigrations {

  private static final Logger log = LoggerFactory.getLogger(PgMigrations.class);
  // pg_advisory_lock's key: the same for every node of every gateway on the database
  static final long LOCK_KEY = 0x636f6e73656e74L; // "consent"
  private static final Pattern FILE = Pattern.compile("V(\\d+)__([A-Za-z0-9_]+)\\.sql");

  /** One migration: its version, its name and its SQL (several statements allowed). */
  public record Migration(int version, String name, String sql) {
    public Migration {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(sql, "sql");
      if (version < 1) {
        throw new IllegalArgumentException("a migration's version is at least 1");
      }
    }
  }

  /** Thrown when the database's schema is newer than the build's, or a migration fails. */
  public static final class MigrationException extends RuntimeException {
    MigrationException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private PgMigrations() {}

  /**
   * The migrations of classpath folder {@code folder} (e.g. {@code db/postgresql}), in the order
   * of its {@code index.txt}: versions 1, 2, 3… with no gap, each file named {@code V<n>__<name>.sql}.
   */
  public static List<Migration> fromClasspath(String folder) {
    String index = read(folder + "/index.txt");
    List<Migration> migrations = new ArrayList<>();
    for (String line : index.split("\n")) {
      String file = line.strip();
      if (file.isEmpty() || file.startsWith("#")) {
        continue;
      }
      Matcher name = FILE.matcher(file);
      if (!name.matches()) {
        throw new IllegalStateException(folder + "/index.txt names " + file + ": not V<n>__<name>.sql");
      }
      int version = Integer.parseInt(name.group(1));
      if (version != migrations.size() + 1) {
        throw new IllegalStateException(folder + "/index.txt: " + file + " is not version " + (migrations.size() + 1));
      }
      migrations.add(new Migration(version, name.group(2), read(folder + "/" + file)));
    }
    return List.copyOf(migrations);
  }

  /**
   * Brings the database to the last of {@code migrations} and answers its schema version. Fails
   * with {@link MigrationException} when the database is newer, or a migration fails (it is then
   * rolled back whole).
   */
  public static Future<Integer> apply(Pool pool, List<Migration> migrations) {
    int latest = migrations.size();
    return pool.getConnection().compose(connection -> connection.query("SELECT pg_advisory_lock(" + LOCK_KEY + ")")
        .execute()
        .compose(locked -> connection.query("CREATE TABLE IF NOT EXISTS schema_version ("
            + " version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())").execute())
        .compose(created -> connection.query("SELECT COALESCE(MAX(version), 0) FROM schema_version").execute())
        .compose(rows -> {
          int current = rows.iterator().next().getInteger(0);
          if (current > latest) {
            return Future.failedFuture(new MigrationException("the database's schema version " + current
                + " is newer than this build understands (" + latest + "): run a build at least as new", null));
          }
          Future<Void> chain = Future.succeededFuture();
          for (Migration migration : migrations.subList(current, latest)) {
            chain = chain.compose(v -> applyOne(connection, migration));
          }
          return chain.map(v -> latest);
        })
        .eventually(() -> connection.query("SELECT pg_advisory_unlock(" + LOCK_KEY + ")").execute()
            .eventually(connection::close)));
  }

  // its version row first: a second node that got past the lock somehow clashes on the key
  private static Future<Void> applyOne(SqlConnection connection, Migration migration) {
    return connection.begin().compose(tx -> connection
        .preparedQuery("INSERT INTO schema_version (version, name) VALUES ($1, $2)")
        .execute(Tuple.of(migration.version(), migration.name()))
        .compose(v -> connection.query(migration.sql()).execute())
        .compose(v -> tx.commit())
        .recover(err -> tx.rollback().transform(rolledBack -> Future.<Void>failedFuture(new MigrationException(
            "schema migration V" + migration.version() + "__" + migration.name() + " failed: " + err.getMessage(), err))))
        .onSuccess(v -> log.info("store schema: applied V{}__{}", migration.version(), migration.name())));
  }

  private static String read(String resource) {
    try (InputStream in = PgMigrations.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("no " + resource + " on the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + resource + ": " + e.getMessage(), e);
    }
  }
}
