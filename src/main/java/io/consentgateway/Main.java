package io.consentgateway;
public final class Main { public static void main(String[] a) {} }
