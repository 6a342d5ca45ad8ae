package io.consentgateway.webhook;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The check every webhook body passes before it is parsed: well-formed UTF-8 as RFC 3629 defines
 * it — no overlong form, no encoded surrogate (U+D800–U+DFFF), nothing beyond U+10FFFF, no stray
 * or missing continuation byte. Jackson is lenient here (an overlong {@code C0 AF} reads as
 * {@code /}), so without this check two different byte strings could become one user key.
 *
 * <p>Runs of ASCII, nearly all of a webhook, are checked eight bytes at a time.
 */
public final class StrictUtf8 {

  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long HIGH_BITS = 0x8080808080808080L;

  private StrictUtf8() {}

  /** The index of the first byte that does not belong to a well-formed sequence; -1 when there is none. */
  public static int firstInvalidByte(byte[] bytes) {
    int n = bytes.length;
    int i = 0;
    while (i < n) {
      while (i + 8 <= n && ((long) LONGS.get(bytes, i) & HIGH_BITS) == 0) {
        i += 8;
      }
      while (i < n && bytes[i] >= 0) {
        i++;
      }
      if (i >= n) {
        return -1;
      }
      int lead = bytes[i] & 0xff;
      if (lead < 0xc2) {
        return i; // a continuation byte with no lead, or C0/C1: an overlong two-byte form
      } else if (lead < 0xe0) {
        if (i + 1 >= n || !isContinuation(bytes[i + 1])) {
          return i;
        }
        i += 2;
      } else if (lead < 0xf0) {
        if (i + 2 >= n) {
          return i;
        }
        int second = bytes[i + 1] & 0xff;
        if (!isContinuation(bytes[i + 1]) || !isContinuation(bytes[i + 2])
            || lead == 0xe0 && second < 0xa0 // overlong
            || lead == 0xed && second > 0x9f) { // a surrogate
          return i;
        }
        i += 3;
      } else if (lead < 0xf5) {
        if (i + 3 >= n) {
          return i;
        }
        int second = bytes[i + 1] & 0xff;
        if (!isContinuation(bytes[i + 1]) || !isContinuation(bytes[i + 2]) || !isContinuation(bytes[i + 3])
            || lead == 0xf0 && second < 0x90 // overlong
            || lead == 0xf4 && second > 0x8f) { // beyond U+10FFFF
          return i;
        }
        i += 4;
      } else {
        return i;
      }
    }
    return -1;
  }

  /**
   * Refuses a body that is not JSON text in strict UTF-8. A NUL among the first bytes is refused
   * too: JSON never starts so, and Jackson would take the body for UTF-16 or UTF-32 and decode it.
   *
   * @throws InvalidWebhookException naming the offending byte's position, never its content
   */
  public static void requireJsonText(byte[] body) {
    int invalid = firstInvalidByte(body);
    if (invalid >= 0) {
      throw new InvalidWebhookException("the body is not valid UTF-8 (byte " + invalid + ")");
    }
    for (int i = 0, n = Math.min(4, body.length); i < n; i++) {
      if (body[i] == 0) {
        throw new InvalidWebhookException("the body is not UTF-8 JSON (a NUL at byte " + i + ": UTF-16 or UTF-32?)");
      }
    }
  }

  private static boolean isContinuation(byte b) {
    return (b & 0xc0) == 0x80;
  }
}
