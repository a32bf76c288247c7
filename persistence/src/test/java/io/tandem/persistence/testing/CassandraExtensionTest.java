package io.tandem.persistence.testing;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Keyspace names derived from test class names. */
class CassandraExtensionTest {

  @Test
  void keyspaceNamesAreSnakeCaseWithARandomSuffix() {
    String name = CassandraExtension.keyspaceName("CassandraJournalTest");
    assertTrue(name.matches("cassandra_journal_test_[a-z0-9]{6}"), name);
    assertNotEquals(name, CassandraExtension.keyspaceName("CassandraJournalTest"));
  }

  @Test
  void keyspaceNamesAreValidCqlIdentifiersOfAtMost48Characters() {
    String longName =
        CassandraExtension.keyspaceName("AVeryLongTestClassNameThatGoesOnAndOnForeverAndEverTest");
    assertTrue(longName.length() <= 48, longName);
    assertTrue(longName.startsWith("a_very_long_test_class_name"), longName);
    assertTrue(longName.matches("[a-z][a-z0-9_]*"), longName);

    String digits = CassandraExtension.keyspaceName("42-Things$Nested");
    assertTrue(digits.matches("t_42_things_nested_[a-z0-9]{6}"), digits);
  }
}
