package io.consentgateway.support;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;

/** Reads the real SQLite store file the way an operator with {@code sqlite3} would. */
public final class StoreFile {

  private final Path path;

  public StoreFile(Path path) {
    this.path = path;
  }

  public long count(String sql) {
    try (Connection c = open(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getLong(1) : 0;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  public long inboxRows() {
    return count("SELECT COUNT(*) FROM webhook_inbox");
  }

  public Set<String> strings(String sql) {
    Set<String> out = new HashSet<>();
    try (Connection c = open(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private Connection open() throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + path.toAbsolutePath());
  }
}
