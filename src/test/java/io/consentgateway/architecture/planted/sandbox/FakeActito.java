package io.consentgateway.architecture.planted.sandbox;

/** Planted: stands for a sandbox. */
public final class FakeActito {}
