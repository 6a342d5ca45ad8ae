package io.consentgateway.architecture.planted.admin;

/** Planted: stands for the admin port's routes. */
public final class OperatorRoutes {}
