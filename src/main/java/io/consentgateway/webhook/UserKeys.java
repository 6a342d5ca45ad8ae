package io.consentgateway.webhook;

/**
 * What a user key — Didomi's {@code organization_user_id}, the value of Actito's user unique key
 * attribute — must be for the gateway to store and match it: valid Unicode (no unpaired
 * surrogate, which the store could only write as {@code ?}, merging unrelated users), no control
 * character (C0, DEL, C1), at most {@value #MAX_CODE_POINTS} code points. Anything else is kept
 * exactly as received; whether a blank key counts as no key is the caller's rule.
 */
public final class UserKeys {

  public static final int MAX_CODE_POINTS = 255;

  private UserKeys() {}

  /**
   * Why {@code key} cannot be a user key, as the end of a sentence that never quotes the key; null
   * when it can.
   */
  public static String problem(String key) {
    int codePoints = 0;
    for (int i = 0, n = key.length(); i < n; i++) {
      char c = key.charAt(i);
      if (Character.isSurrogate(c)) {
        if (!Character.isHighSurrogate(c) || i + 1 >= n || !Character.isLowSurrogate(key.charAt(i + 1))) {
          return "it holds an unpaired surrogate, which is not Unicode";
        }
        i++;
      } else if (c < 0x20 || c >= 0x7f && c <= 0x9f) {
        return "it holds a control character";
      }
      if (++codePoints > MAX_CODE_POINTS) {
        return "it is longer than " + MAX_CODE_POINTS + " code points";
      }
    }
    return null;
  }
}
