package io.consentgateway.mapping;

import java.nio.charset.StandardCharsets;

/**
 * The pieces of a JSON document written straight into a byte array sized beforehand, all ASCII:
 * every character outside printable ASCII is written as a {@code \\uXXXX} escape (valid JSON,
 * RFC 8259 §7), which spares UTF-8 encoding and makes each string's size known in one pass.
 */
final class AsciiJson {

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private AsciiJson() {}

  static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  /** Bytes {@link #writeString} will write for {@code text}, quotes included. */
  static int stringSize(String text) {
    int size = 2;
    for (int i = 0, n = text.length(); i < n; i++) {
      char c = text.charAt(i);
      if (c >= 0x20 && c < 0x7f) {
        size += c == '"' || c == '\\' ? 2 : 1;
      } else {
        size += c == '\n' || c == '\r' || c == '\t' ? 2 : 6;
      }
    }
    return size;
  }

  /** Writes {@code text} as a quoted, escaped JSON string at {@code at}; returns the next position. */
  static int writeString(byte[] out, int at, String text) {
    out[at++] = '"';
    for (int i = 0, n = text.length(); i < n; i++) {
      char c = text.charAt(i);
      if (c >= 0x20 && c < 0x7f) {
        if (c == '"' || c == '\\') {
          out[at++] = '\\';
        }
        out[at++] = (byte) c;
      } else if (c == '\n') {
        out[at++] = '\\';
        out[at++] = 'n';
      } else if (c == '\r') {
        out[at++] = '\\';
        out[at++] = 'r';
      } else if (c == '\t') {
        out[at++] = '\\';
        out[at++] = 't';
      } else {
        out[at++] = '\\';
        out[at++] = 'u';
        out[at++] = HEX[(c >> 12) & 0xf];
        out[at++] = HEX[(c >> 8) & 0xf];
        out[at++] = HEX[(c >> 4) & 0xf];
        out[at++] = HEX[c & 0xf];
      }
    }
    out[at++] = '"';
    return at;
  }

  /** Copies {@code bytes} (already valid JSON) at {@code at}; returns the next position. */
  static int writeRaw(byte[] out, int at, byte[] bytes) {
    System.arraycopy(bytes, 0, out, at, bytes.length);
    return at + bytes.length;
  }

  /** Copies {@code asciiText} (a JSON number literal) at {@code at}; returns the next position. */
  static int writeRaw(byte[] out, int at, String asciiText) {
    for (int i = 0, n = asciiText.length(); i < n; i++) {
      out[at++] = (byte) asciiText.charAt(i);
    }
    return at;
  }
}
