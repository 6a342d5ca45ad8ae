package io.consentgateway.store;

/** A user whose changes gave up, as the operator API lists it. */
public record DeadLetterEntry(
    String integration, String userKey, long createdAtMillis, String reason, Integer status, String detail, int attempts) {}
