package io.tandem.node.auth;

import java.time.Instant;

/** Who a verified token says the caller is, and what it may do until {@code expiresAt}. */
public record Principal(String subject, Grants grants, Instant expiresAt) {}
