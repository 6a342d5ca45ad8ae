package io.consentgateway.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BlockedTimeTest {

  @Test
  void onlyThePartOfASpanInsideThePeriodCounts() {
    BlockedTime blocked = new BlockedTime();
    blocked.add(100, 200);

    assertThat(blocked.blockedMillis(0, 1_000)).isEqualTo(100);
    assertThat(blocked.blockedMillis(150, 1_000)).isEqualTo(50);
    assertThat(blocked.blockedMillis(0, 120)).isEqualTo(20);
    assertThat(blocked.blockedMillis(300, 1_000)).isZero();
    assertThat(blocked.blockedMillis(500, 400)).isZero();
  }

  @Test
  void overlappingSpansAreCountedOnce() {
    BlockedTime actito = new BlockedTime();
    BlockedTime didomi = new BlockedTime();
    BlockedTime downtime = new BlockedTime();
    actito.add(100, 300);
    actito.add(250, 400);
    didomi.add(350, 500);
    downtime.add(900, 1_000);

    assertThat(BlockedTime.union(actito, didomi, downtime).blockedMillis(0, 2_000)).isEqualTo(400 + 100);
  }

  @Test
  void anOpenSpanCountsUpToTheEndOfThePeriodUntilItEnds() {
    BlockedTime blocked = new BlockedTime();
    blocked.begin(100);

    assertThat(blocked.blockedMillis(0, 1_000)).isEqualTo(900);

    blocked.end(400);

    assertThat(blocked.blockedMillis(0, 1_000)).isEqualTo(300);
    assertThat(blocked.blockedMillis(0, 250)).isEqualTo(150);
  }

  @Test
  void aUnionReadsItsPartsLive() {
    BlockedTime licence = new BlockedTime();
    BlockedTime union = BlockedTime.union(licence, BlockedTime.none());

    licence.begin(0);

    assertThat(union.blockedMillis(0, 50)).isEqualTo(50);
    assertThatThrownBy(() -> union.add(1, 2)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void pruningForgetsSpansThatEndedBeforeTheCutOnly() {
    BlockedTime blocked = new BlockedTime();
    blocked.add(0, 100);
    blocked.add(200, 300);
    blocked.begin(400);

    blocked.prune(150);

    assertThat(blocked.blockedMillis(0, 500)).isEqualTo(100 + 100);
  }
}
