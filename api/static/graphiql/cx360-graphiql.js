// cx360's GraphiQL: everything served by the API itself (no CDN). The API key field at the
// top is the one way to give a key: it is checked against the server (the key's role is
// shown next to it), kept in sessionStorage (this tab only), sent as a header and never
// put into the URL, and the schema is fetched again with it. The page opens with each
// team's example operations as tabs (a JSON data block written by api/graphiql.py).
(function () {
  "use strict";
  var STORAGE = "cx360-api-key";
  var form = document.getElementById("cx360-key-form");
  var input = document.getElementById("cx360-key");
  var status = document.getElementById("cx360-key-status");

  function key() { return window.sessionStorage.getItem(STORAGE) || ""; }

  // ---- the key field: check a key, show its role or why it does not work -------------

  function showKeyStatus(text, state) {
    status.textContent = text;
    status.setAttribute("data-state", state);
  }

  // {ok, role, keyName} for a working key; {ok: false, message} with the server's reason
  // (unknown, revoked or expired key, rate limit...) otherwise.
  async function checkKey(candidate) {
    var response;
    try {
      response = await fetch(window.location.pathname, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: "Bearer " + candidate },
        body: JSON.stringify({ query: "query Cx360KeyCheck { viewer { role keyName } }" }),
        credentials: "omit"
      });
    } catch (error) {
      return { ok: false, message: "The server cannot be reached; try again." };
    }
    var body = null;
    try { body = await response.json(); } catch (error) { body = null; }
    var viewer = body && body.data && body.data.viewer;
    if (response.ok && viewer) { return { ok: true, role: viewer.role, keyName: viewer.keyName }; }
    var problem = body && body.errors && body.errors[0] && body.errors[0].message;
    return { ok: false, message: problem || "The server answered " + response.status + "." };
  }

  // The role and name of the key in use: an invalid key entered afterwards leaves it in use.
  var current = null;

  async function useKey(candidate) {
    if (!candidate) {
      window.sessionStorage.removeItem(STORAGE);
      current = null;
      showKeyStatus("Enter an API key to run queries and to see the schema in Docs.", "none");
      render();
      return;
    }
    showKeyStatus("Checking the key…", "checking");
    var found = await checkKey(candidate);
    if (found.ok) {
      window.sessionStorage.setItem(STORAGE, candidate);
      current = found;
      sample = await exampleValues(candidate);
      generation += 1;  // a new GraphiQL reads the tabs again, their blanks filled
      ReactDOM.flushSync(render);  // mounted now, not at React's next convenience
      // Said once the new GraphiQL is there: what is clicked from now on is the page in use.
      showKeyStatus("Role " + found.role + " (key \u201c" + found.keyName +
                    "\u201d), kept for this browser tab.", "ok");
      return;
    } else if (current && key() && key() !== candidate) {
      showKeyStatus("Key not used: " + found.message + "; still using the key of role " +
                    current.role + " (\u201c" + current.keyName + "\u201d).", "invalid");
    } else {
      window.sessionStorage.removeItem(STORAGE);
      current = null;
      showKeyStatus("Key not used: " + found.message, "invalid");
    }
    render();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var candidate = input.value.trim();
    input.value = "";
    useKey(candidate);
  });

  // ---- subscriptions: graphql-ws (graphql-transport-ws) on this page's /graphql -------
  // The key goes in connection_init; one socket per key, closed when the key changes.

  var socket = null;
  function socketClient(apiKey) {
    if (socket && socket.key === apiKey) { return socket.client; }
    if (socket) { socket.client.dispose(); }
    var url = (window.location.protocol === "https:" ? "wss://" : "ws://") +
              window.location.host + window.location.pathname;
    socket = { key: apiKey, client: graphqlWs.createClient({
      url: url, lazy: true,
      connectionParams: function () { return { Authorization: "Bearer " + apiKey }; }
    }) };
    return socket.client;
  }

  function isSubscription(params, options) {
    var document = options && options.documentAST;
    var definitions = (document && document.definitions) || [];
    return definitions.some(function (d) {
      return d.kind === "OperationDefinition" && d.operation === "subscription" &&
        (!params.operationName || (d.name && d.name.value === params.operationName));
    });
  }

  // GraphiQL can send the previous tab's operationName for a moment after a tab switch:
  // when the document does not define that name but holds one operation, run that one.
  function withOperationName(params) {
    var names;
    try {
      names = GraphiQL.GraphQL.parse(params.query).definitions
        .filter(function (d) { return d.kind === "OperationDefinition"; })
        .map(function (d) { return d.name ? d.name.value : null; });
    } catch (error) {
      return params;  // the server reports the syntax error
    }
    if (params.operationName && names.indexOf(params.operationName) === -1 && names.length === 1) {
      return Object.assign({}, params, { operationName: names[0] });
    }
    return params;
  }

  // ---- requests: one fetcher per key -------------------------------------------------
  // GraphiQL introspects again whenever its fetcher changes, so a new key means the Docs
  // pane shows that key's schema without a manual re-fetch. Headers come from the key
  // field only (the headers editor is off: one way to give a key).

  // Without a key nothing is sent: the server's answer would name a header this page has
  // no editor for.
  var NO_KEY = { errors: [{ message: "No API key: enter your key in the API key field at " +
    "the top of this page and press \u201cUse key\u201d." }] };

  var fetchers = {};
  function fetcherFor(apiKey) {
    if (!fetchers[apiKey]) {
      fetchers = {};
      fetchers[apiKey] = async function (params, options) {
        params = withOperationName(params);
        if (!apiKey) { return NO_KEY; }
        if (isSubscription(params, options)) { return socketClient(apiKey).iterate(params); }
        var headers = { "Content-Type": "application/json", Authorization: "Bearer " + apiKey };
        var response = await fetch(window.location.pathname, {
          method: "POST", headers: headers, body: JSON.stringify(params), credentials: "omit"
        });
        return response.json();
      };
    }
    return fetchers[apiKey];
  }

  // ---- example operations as tabs ----------------------------------------------------

  function examples() {
    var block = document.getElementById("cx360-examples");
    return block ? JSON.parse(block.textContent) : [];
  }

  function exampleTabs() {
    var found = examples();
    var listing = found.map(function (e) { return "#   " + e.file; }).join("\n");
    var welcome = "# Welcome to cx360: enter your API key at the top, press play.\n" +
      (found.length ? "# Each team's examples are open in the other tabs:\n" +
                      listing + "\n" : "") +
      "query Welcome {\n  viewer { role keyName }\n}\n";
    return [{ query: welcome }].concat(found.map(function (e) {
      return { query: e.query, variables: e.variables };
    }));
  }

  // ---- working values for the examples' required variables ---------------------------
  // Asked for with the key in use (so they are what its role may read): a customer's id
  // and one of its external ids, and a new touchpoint event for it. Only blanks are
  // filled, in the opening tabs and in the tabs GraphiQL kept from an earlier visit.

  var SAMPLE = "query Cx360ExampleValues { customers(first: 20) " +
    "{ edges { node { id externalIds { source id } } } } }";
  var sample = null;
  var generation = 0;

  async function exampleValues(apiKey) {
    try {
      var response = await fetch(window.location.pathname, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: "Bearer " + apiKey },
        body: JSON.stringify({ query: SAMPLE }),
        credentials: "omit"
      });
      var body = await response.json();
      var nodes = body.data.customers.edges.map(function (e) { return e.node; });
      var withExternal = nodes.filter(function (n) { return n.externalIds.length; })[0];
      return nodes.length ? { id: nodes[0].id, external: withExternal } : null;
    } catch (error) {
      return null;  // this role cannot list customers: the blanks stay for the user
    }
  }

  function touchpointEvent(customerId) {
    var unique = Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 8);
    return {
      customer: { id: customerId }, occurredAt: new Date().toISOString(), channel: "WEB",
      stage: "AWARENESS", team: "MARKETING", kind: "page_view",
      summary: "Example event sent from GraphiQL", source: "graphiql",
      externalId: "graphiql-example-" + unique
    };
  }

  function filled(variables) {
    var values;
    try { values = JSON.parse(variables); } catch (error) { return variables; }
    if (!sample || !values || typeof values !== "object" || Array.isArray(values)) {
      return variables;
    }
    var changed = false;
    if (values.id === "") { values.id = sample.id; changed = true; }
    if (values.source === "" && values.externalId === "" && sample.external) {
      values.source = sample.external.externalIds[0].source;
      values.externalId = sample.external.externalIds[0].id;
      changed = true;
    }
    if (Array.isArray(values.touchpoints) && values.touchpoints.length === 0) {
      values.touchpoints = [touchpointEvent(sample.id)];
      changed = true;
    }
    return changed ? JSON.stringify(values, null, 2) : variables;
  }

  function filledTabState(text) {
    try {
      var state = JSON.parse(text);
      state.tabs.forEach(function (tab) {
        if (tab.variables) { tab.variables = filled(tab.variables); }
      });
      return JSON.stringify(state);
    } catch (error) {
      return text;
    }
  }

  // GraphiQL's storage (localStorage, as by default), reading its saved tabs filled.
  var storage = {
    getItem: function (name) {
      var value = window.localStorage.getItem(name);
      return value && name === "graphiql:tabState" ? filledTabState(value) : value;
    },
    setItem: function (name, value) { window.localStorage.setItem(name, value); },
    removeItem: function (name) { window.localStorage.removeItem(name); },
    clear: function () {
      Object.keys(window.localStorage).forEach(function (name) {
        if (name.indexOf("graphiql:") === 0) { window.localStorage.removeItem(name); }
      });
    },
    get length() {
      return Object.keys(window.localStorage).filter(function (name) {
        return name.indexOf("graphiql:") === 0;
      }).length;
    }
  };

  // ---- GraphiQL ----------------------------------------------------------------------

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  var explorer = GraphiQLPluginExplorer.explorerPlugin();
  var tabs = exampleTabs();
  function render() {
    // Without a key there is no schema to ask for (`schema: null`: no introspection, so no
    // error in the result pane); with one, GraphiQL introspects with it.
    root.render(React.createElement(GraphiQL, {
      key: generation, fetcher: fetcherFor(key()), schema: key() ? undefined : null,
      plugins: [explorer], isHeadersEditorEnabled: false, storage: storage,
      defaultTabs: tabs.map(function (tab) {
        return tab.variables ? Object.assign({}, tab, { variables: filled(tab.variables) }) : tab;
      })
    }));
  }
  useKey(key());
})();
