package io.tandem.node.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GrantsTest {

  @Test
  void globsMatchWholeNamesAndWriteIncludesRead() {
    Grants g = Grants.parse("room:design-*:write recording:*:read");
    assertTrue(g.allows("room", "design-1", Right.WRITE));
    assertTrue(g.allows("room", "design-1", Right.READ));
    assertFalse(g.allows("room", "xdesign-1", Right.READ), "a glob matches the whole name");
    assertFalse(g.allows("room", "other", Right.READ));
    assertTrue(g.allows("recording", "any.thing", Right.READ));
    assertFalse(g.allows("recording", "any", Right.PUBLISH));
    assertFalse(g.allows("recording", "any", Right.WRITE), "read does not include write");
  }

  @Test
  void everythingNotGrantedIsDenied() {
    assertFalse(Grants.parse(null).allows("room", "a", Right.READ));
    assertFalse(Grants.parse("").allows("room", "a", Right.READ));
    assertFalse(
        Grants.parse("room:a:fly room:b room::read :a:read").allows("room", "a", Right.READ));
    assertFalse(Grants.parse("room:a:read").isAdmin());
    assertTrue(Grants.parse("node:*:admin").isAdmin());
  }

  @Test
  void globCharactersAreTheOnlySpecialOnes() {
    Grants g = Grants.parse("room:a.b?:read");
    assertTrue(g.allows("room", "a.bc", Right.READ));
    assertFalse(g.allows("room", "aXbc", Right.READ), "a dot is a literal dot");
    assertFalse(g.allows("room", "a.b", Right.READ), "? is exactly one character");
  }

  @Test
  void onlyAGlobMatchingEveryNodeNameIsAdmin() {
    assertTrue(Grants.parse("node:*:admin").isAdmin());
    assertTrue(Grants.parse("node:**:admin").isAdmin(), "stars only match every name");
    assertFalse(Grants.parse("node:?:admin").isAdmin(), "? is one character, not every name");
    assertFalse(Grants.parse("node:a*:admin").isAdmin());
    assertFalse(Grants.parse("node:*?:admin").isAdmin());
    assertFalse(Grants.parse("node:*:read").isAdmin());
    assertFalse(Grants.parse("room:*:admin").isAdmin());
  }

  @Test
  void connectionsWithTheSameScopeShareOneParse() {
    String scope = "room:shared-*:write recording:*:read";
    assertSame(Grants.parse(scope), Grants.parse(new String(scope.toCharArray())));
  }

  @Test
  void scopesPastTheCacheBoundAreParsedButNotKept() {
    for (int i = 0; i < Grants.CACHED_SCOPES + 50; i++) {
      Grants g = Grants.parse("room:bound-" + i + ":write");
      assertTrue(g.allows("room", "bound-" + i, Right.WRITE));
      assertFalse(g.allows("room", "bound-" + (i + 1), Right.WRITE));
    }
    assertTrue(Grants.cachedScopes() <= Grants.CACHED_SCOPES, "kept " + Grants.cachedScopes());
  }
}
