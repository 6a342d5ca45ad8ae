package io.consentgateway.logging;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogTextTest {

  @Test
  void lineBreaksAndOtherControlCharactersCannotStartANewLogLine() {
    String forged = LogText.of("x\n2026-12-01 [main] ERROR forged line\r\u0085\u2028\u001b[31m");

    assertThat(forged).doesNotContain("\n", "\r", "\u0085", "\u2028", "\u001b");
    assertThat(forged).isEqualTo("x\\u000a2026-12-01 [main] ERROR forged line\\u000d\\u0085\\u2028\\u001b[31m");
  }

  @Test
  void aBackslashIsEscapedSoThatAnEscapeCannotBeFaked() {
    assertThat(LogText.of("a\\u000ab")).isEqualTo("a\\\\u000ab");
  }

  @Test
  void ordinaryTextIsUnchanged() {
    assertThat(LogText.of("ann.martin@example.com — été")).isEqualTo("ann.martin@example.com — été");
  }

  @Test
  void longTextIsCutAndSaysSo() {
    assertThat(LogText.of("k".repeat(500))).isEqualTo("k".repeat(LogText.MAX_CHARS) + "…");
  }

  @Test
  void anUnpairedSurrogateIsEscapedAndAPairIsKept() {
    assertThat(LogText.of("a\ud800b")).isEqualTo("a\\ud800b");
    assertThat(LogText.of("a\ud83d\ude00b")).isEqualTo("a\ud83d\ude00b");
  }

  @Test
  void aFingerprintIsStableShortAndNeverTheText() {
    assertThat(LogText.fingerprint("didomi-secret")).isEqualTo(LogText.fingerprint("didomi-secret"))
        .startsWith("sha256:").hasSize(15).doesNotContain("didomi");
    assertThat(LogText.fingerprint("didomi-secret")).isNotEqualTo(LogText.fingerprint("didomi-secreT"));
  }
}
