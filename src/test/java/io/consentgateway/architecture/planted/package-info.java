/**
 * Planted violations, one per architecture rule, so that {@code PlantedViolationsTest} can show
 * each rule failing. Test code only: never imported by {@code ArchitectureTest}.
 */
package io.consentgateway.architecture.planted;
