package io.consentgateway.webhook;

import java.util.Objects;

/**
 * A scalar Actito attribute value copied from Didomi user metadata: a string, a number (kept as
 * its JSON text, so it reaches Actito exactly as Didomi sent it) or a boolean.
 *
 * <p>The natural order (kind, then text) is arbitrary but total; it only breaks ties between two
 * changes stamped at the same instant and version, so that the merge never depends on arrival order.
 */
public record AttributeValue(Kind kind, String text) implements Comparable<AttributeValue> {

  public enum Kind {
    BOOLEAN,
    NUMBER,
    STRING
  }

  public static final AttributeValue TRUE = new AttributeValue(Kind.BOOLEAN, "true");
  public static final AttributeValue FALSE = new AttributeValue(Kind.BOOLEAN, "false");

  public AttributeValue {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(text, "text");
    if (kind == Kind.BOOLEAN && !text.equals("true") && !text.equals("false")) {
      throw new IllegalArgumentException("a boolean attribute value is 'true' or 'false'");
    }
  }

  public static AttributeValue ofString(String text) {
    return new AttributeValue(Kind.STRING, text);
  }

  /** {@code jsonText} is a JSON number literal, written to Actito unchanged. */
  public static AttributeValue ofNumber(String jsonText) {
    return new AttributeValue(Kind.NUMBER, jsonText);
  }

  public static AttributeValue ofBoolean(boolean value) {
    return value ? TRUE : FALSE;
  }

  /** Whether {@code text} is a JSON number literal ({@code -?int frac? exp?}). */
  public static boolean isJsonNumber(String text) {
    int n = text.length();
    int i = 0;
    if (i < n && text.charAt(i) == '-') {
      i++;
    }
    if (i >= n) {
      return false;
    }
    if (text.charAt(i) == '0') {
      i++;
    } else {
      int start = i;
      i = skipDigits(text, i);
      if (i == start) {
        return false;
      }
    }
    if (i < n && text.charAt(i) == '.') {
      int start = ++i;
      i = skipDigits(text, i);
      if (i == start) {
        return false;
      }
    }
    if (i < n && (text.charAt(i) == 'e' || text.charAt(i) == 'E')) {
      i++;
      if (i < n && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
        i++;
      }
      int start = i;
      i = skipDigits(text, i);
      if (i == start) {
        return false;
      }
    }
    return i == n;
  }

  private static int skipDigits(String text, int i) {
    while (i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
      i++;
    }
    return i;
  }

  @Override
  public int compareTo(AttributeValue other) {
    int byKind = kind.compareTo(other.kind);
    return byKind != 0 ? byKind : text.compareTo(other.text);
  }
}
