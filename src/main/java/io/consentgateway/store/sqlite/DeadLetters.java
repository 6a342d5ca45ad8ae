package io.consentgateway.store.sqlite;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Operator actions on dead letters of both directions, run on the writer thread. */
final class DeadLetters {

  private DeadLetters() {}

  private record Letter(String userKey, String direction, String field) {
    boolean isField() {
      return !field.isEmpty();
    }
  }

  /**
   * Replays up to {@code page} dead letters; answers how many (fewer than {@code page}: the last
   * page). A whole user's letter and a refused field alike make the user due again: its next
   * dispatch carries the newest value of every field, the refused one included.
   */
  static int replay(GroupCommitWriter.Session session, String integration, String userKeyOrNull, int page, long now)
      throws SQLException {
    List<Letter> letters = select(session, integration, userKeyOrNull, page);
    PreparedStatement reviveUser = session.statement(
        "UPDATE user_state SET dead_lettered = 0, attempts = 0, last_error = NULL,"
            + " pending_changes = MAX(pending_changes, 1), dirty_since = COALESCE(dirty_since, ?),"
            + " next_attempt_at = ?, leased = 0, updated_at = ? WHERE integration = ? AND user_key = ?");
    PreparedStatement reviveWrites = session.statement(
        "UPDATE didomi_outbox SET dead = 0, attempts = 0, last_error = NULL, next_attempt_at = ?, leased = 0"
            + " WHERE integration = ? AND user_key = ? AND dead = 1");
    for (Letter letter : letters) {
      if (letter.direction().equals(DispatchWrites.ACTITO)) {
        reviveUser.setLong(1, now);
        reviveUser.setLong(2, now);
        reviveUser.setLong(3, now);
        reviveUser.setString(4, integration);
        reviveUser.setString(5, letter.userKey());
        reviveUser.executeUpdate();
      } else {
        reviveWrites.setLong(1, now);
        reviveWrites.setString(2, integration);
        reviveWrites.setString(3, letter.userKey());
        reviveWrites.executeUpdate();
      }
      delete(session, integration, letter);
      DispatchWrites.log(session, integration, letter.direction(), letter.userKey(), now, "replayed", null,
          letter.isField() ? "refused field " + letter.field() + " replayed by an operator"
              : "dead letter replayed by an operator");
    }
    return letters.size();
  }

  /**
   * Forgets a user's dead letters without sending them. A refused field stays refused at its value
   * (kept, marked discarded, so the next dispatches leave it out); a newer value is tried again.
   */
  static boolean discard(GroupCommitWriter.Session session, String integration, String userKey, long now)
      throws SQLException {
    List<Letter> letters = select(session, integration, userKey, Integer.MAX_VALUE);
    for (Letter letter : letters) {
      if (letter.isField()) {
        PreparedStatement mark = session.statement("UPDATE dead_letter SET discarded = 1"
            + " WHERE integration = ? AND direction = ? AND user_key = ? AND field = ?");
        mark.setString(1, integration);
        mark.setString(2, letter.direction());
        mark.setString(3, userKey);
        mark.setString(4, letter.field());
        mark.executeUpdate();
        DispatchWrites.log(session, integration, letter.direction(), userKey, now, "discarded", null,
            "refused field " + letter.field() + " discarded by an operator");
        continue;
      }
      PreparedStatement clear = session.statement(letter.direction().equals(DispatchWrites.ACTITO)
          ? "UPDATE user_state SET dead_lettered = 0 WHERE integration = ? AND user_key = ?"
          : "DELETE FROM didomi_outbox WHERE integration = ? AND user_key = ? AND dead = 1");
      clear.setString(1, integration);
      clear.setString(2, userKey);
      clear.executeUpdate();
      delete(session, integration, letter);
      DispatchWrites.log(session, integration, letter.direction(), userKey, now, "discarded", null,
          "dead letter discarded by an operator");
    }
    return !letters.isEmpty();
  }

  private static List<Letter> select(GroupCommitWriter.Session session, String integration, String userKeyOrNull, int limit)
      throws SQLException {
    PreparedStatement select = session.statement(userKeyOrNull == null
        ? "SELECT user_key, direction, field FROM dead_letter WHERE integration = ? AND discarded = 0 LIMIT ?"
        : "SELECT user_key, direction, field FROM dead_letter WHERE integration = ? AND user_key = ? AND discarded = 0 LIMIT ?");
    select.setString(1, integration);
    if (userKeyOrNull != null) {
      select.setString(2, userKeyOrNull);
    }
    select.setInt(userKeyOrNull == null ? 2 : 3, limit);
    List<Letter> letters = new ArrayList<>();
    try (ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        letters.add(new Letter(rs.getString(1), rs.getString(2), rs.getString(3)));
      }
    }
    return letters;
  }

  private static void delete(GroupCommitWriter.Session session, String integration, Letter letter) throws SQLException {
    PreparedStatement delete = session.statement(
        "DELETE FROM dead_letter WHERE integration = ? AND direction = ? AND user_key = ? AND field = ?");
    delete.setString(1, integration);
    delete.setString(2, letter.direction());
    delete.setString(3, letter.userKey());
    delete.setString(4, letter.field());
    delete.executeUpdate();
  }
}
