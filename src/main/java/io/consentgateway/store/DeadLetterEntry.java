package io.consentgateway.store;

/**
 * A user whose changes gave up, or one field of a user that Actito refused, as the operator API
 * lists it; {@code direction} is {@code actito} (Didomi → Actito) or {@code didomi} (the
 * write-back); {@code field} ({@code subscription:<name>}, {@code attribute:<name>}) is null for a
 * whole user's dead letter, and {@code value} is then null too.
 */
public record DeadLetterEntry(
    String integration, String direction, String userKey, String field, String value, long createdAtMillis,
    String reason, Integer status, String detail, int attempts) {}
