package io.consentgateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BearerHeaderTest {

  @Test
  void readsTheTokenOfABearerHeaderWhateverTheSchemeCase() {
    assertThat(BearerHeader.token("Bearer abc")).contains("abc");
    assertThat(BearerHeader.token("bearer abc")).contains("abc");
    assertThat(BearerHeader.token("BEARER  abc  ")).contains("abc");
  }

  @Test
  void noTokenWithoutTheSchemeAndItsSpace() {
    assertThat(BearerHeader.token(null)).isEmpty();
    assertThat(BearerHeader.token("")).isEmpty();
    assertThat(BearerHeader.token("Bearer")).isEmpty();
    assertThat(BearerHeader.token("Bearerabc")).isEmpty();
    assertThat(BearerHeader.token("Basic abc")).isEmpty();
  }

  @Test
  void theSchemeAloneIsAnEmptyTokenNotAMissingOne() {
    assertThat(BearerHeader.token("Bearer ")).contains("");
    assertThat(BearerHeader.token("Bearer    ")).contains("");
  }
}
