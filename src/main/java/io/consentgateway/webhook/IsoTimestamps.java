package io.consentgateway.webhook;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * ISO-8601 timestamps to and from epoch milliseconds. Didomi's usual shape
 * ({@code 2026-11-20T09:15:02.120Z}, any fraction, {@code Z} or an offset) is read by hand because
 * {@code java.time} parsing costs more than the rest of a webhook's parse; anything else falls back
 * to {@code java.time}. Fractions beyond the millisecond are truncated.
 */
public final class IsoTimestamps {

  /** Returned by {@link #parseMillis} for text that is not a timestamp. */
  public static final long INVALID = Long.MIN_VALUE;

  private IsoTimestamps() {}

  public static long parseMillis(String text) {
    return parseMillis(text.toCharArray(), 0, text.length());
  }

  /** Reads {@code chars[offset, offset + length)}, so a parser's buffer needs no String. */
  public static long parseMillis(char[] chars, int offset, int length) {
    long fast = parseCommonShape(chars, offset, length);
    if (fast != INVALID) {
      return fast;
    }
    String text = new String(chars, offset, length);
    try {
      return OffsetDateTime.parse(text).toInstant().toEpochMilli();
    } catch (DateTimeParseException | ArithmeticException e) {
      // fall through: perhaps no offset at all
    }
    try {
      return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC).toEpochMilli();
    } catch (DateTimeParseException | ArithmeticException e) {
      return INVALID;
    }
  }

  private static long parseCommonShape(char[] c, int o, int length) {
    int n = o + length;
    if (length < 20 || c[o + 4] != '-' || c[o + 7] != '-' || (c[o + 10] != 'T' && c[o + 10] != 't')
        || c[o + 13] != ':' || c[o + 16] != ':') {
      return INVALID;
    }
    int year = digits(c, o, 4);
    int month = digits(c, o + 5, 2);
    int day = digits(c, o + 8, 2);
    int hour = digits(c, o + 11, 2);
    int minute = digits(c, o + 14, 2);
    int second = digits(c, o + 17, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)
        || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
      return INVALID;
    }
    int i = o + 19;
    int millis = 0;
    if (c[i] == '.') {
      i++;
      int start = i;
      while (i < n && c[i] >= '0' && c[i] <= '9') {
        if (i - start < 3) {
          millis = millis * 10 + (c[i] - '0');
        }
        i++;
      }
      int fractionDigits = i - start;
      if (fractionDigits == 0 || fractionDigits > 9) {
        return INVALID;
      }
      for (int k = fractionDigits; k < 3; k++) {
        millis *= 10;
      }
    }
    if (i >= n) {
      return INVALID;
    }
    int offsetSeconds;
    char zone = c[i];
    if ((zone == 'Z' || zone == 'z') && i + 1 == n) {
      offsetSeconds = 0;
    } else if ((zone == '+' || zone == '-') && (i + 6 == n && c[i + 3] == ':' || i + 5 == n)) {
      int oh = digits(c, i + 1, 2);
      int om = digits(c, n - 2, 2);
      if (oh < 0 || oh > 18 || om < 0 || om > 59) {
        return INVALID;
      }
      offsetSeconds = (oh * 3600 + om * 60) * (zone == '-' ? -1 : 1);
    } else {
      return INVALID;
    }
    long days = daysFromCivil(year, month, day);
    long seconds = days * 86_400L + hour * 3600L + minute * 60L + second - offsetSeconds;
    return seconds * 1000L + millis;
  }

  /** {@code yyyy-MM-ddTHH:mm:ss.SSSZ}, UTC. */
  public static String format(long epochMillis) {
    byte[] out = new byte[LENGTH];
    if (!formatInto(epochMillis, out, 0)) {
      return Instant.ofEpochMilli(epochMillis).toString();
    }
    return new String(out, java.nio.charset.StandardCharsets.US_ASCII);
  }

  /** The length of what {@link #formatInto} writes. */
  static final int LENGTH = 24;

  /**
   * Writes {@link #format}'s text as ASCII bytes at {@code out[at]}; false, writing nothing, for a
   * year outside 0000-9999.
   */
  static boolean formatInto(long epochMillis, byte[] out, int at) {
    long seconds = Math.floorDiv(epochMillis, 1000L);
    int millis = (int) Math.floorMod(epochMillis, 1000L);
    long days = Math.floorDiv(seconds, 86_400L);
    int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
    // civil date from days since 1970-01-01 (H. Hinnant's algorithm)
    long z = days + 719_468;
    long era = Math.floorDiv(z, 146_097L);
    long doe = z - era * 146_097L;
    long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    int day = (int) (doy - (153 * mp + 2) / 5 + 1);
    int month = (int) (mp < 10 ? mp + 3 : mp - 9);
    long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    if (year < 0 || year > 9999) {
      return false;
    }
    put(out, at, (int) year, 4);
    out[at + 4] = '-';
    put(out, at + 5, month, 2);
    out[at + 7] = '-';
    put(out, at + 8, day, 2);
    out[at + 10] = 'T';
    put(out, at + 11, secondOfDay / 3600, 2);
    out[at + 13] = ':';
    put(out, at + 14, secondOfDay / 60 % 60, 2);
    out[at + 16] = ':';
    put(out, at + 17, secondOfDay % 60, 2);
    out[at + 19] = '.';
    put(out, at + 20, millis, 3);
    out[at + 23] = 'Z';
    return true;
  }

  private static void put(byte[] out, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (byte) ('0' + value % 10);
      value /= 10;
    }
  }

  private static int digits(char[] chars, int from, int count) {
    int value = 0;
    for (int i = from; i < from + count; i++) {
      char c = chars[i];
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  private static int daysInMonth(int year, int month) {
    return switch (month) {
      case 2 -> (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
      case 4, 6, 9, 11 -> 30;
      default -> 31;
    };
  }

  private static long daysFromCivil(int year, int month, int day) {
    long y = month <= 2 ? year - 1 : year;
    long era = Math.floorDiv(y, 400L);
    long yoe = y - era * 400;
    long doy = (153L * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146_097L + doe - 719_468L;
  }
}
