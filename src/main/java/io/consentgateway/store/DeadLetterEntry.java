package io.consentgateway.store;

/**
 * A user whose changes gave up, as the operator API lists it; {@code direction} is {@code actito}
 * (Didomi → Actito) or {@code didomi} (the write-back).
 */
public record DeadLetterEntry(
    String integration, String direction, String userKey, long createdAtMillis, String reason, Integer status, String detail, int attempts) {}
