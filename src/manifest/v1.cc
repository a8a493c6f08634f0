// Spin 1 manifests (`spin_manifest_version = "1"`, or `spin_version = "1"`) upgraded to the v2
// table model the way Spin's own loader does (spin crates/manifest compat.rs): one trigger type
// for the app, a `[[component]]` array whose `[component.trigger]` tables become
// `[[trigger.<type>]]` entries with id "trigger-<component>", component `config` becoming
// component `variables`. The v2 parser then checks the result, with the v1 file's positions.
#include "manifest/v1.h"

#include <cctype>

namespace tern::manifest::detail {
namespace {

// Spin fixes the two usual problems of v1 ids: under_scores and MixedCase.
std::string v1ComponentId(std::string id) {
  if (isKebabId(id)) return id;
  for (char& c : id) {
    c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return id;
}

void upgradeComponent(ParseContext& ctx, const toml::table& c, toml::table& components,
                      toml::array& triggers) {
  auto id = ctx.getString(c, "id", "[[component]]", true);
  if (!id) return;
  std::string kebab = v1ComponentId(*id);
  if (!isKebabId(kebab)) {
    ctx.error(c.get("id")->source(), "component id `" + *id + "` is not a valid kebab-case id");
    return;
  }
  if (components.contains(kebab)) {
    ctx.error(c.get("id")->source(), "duplicate component id `" + kebab + "`");
    return;
  }
  toml::table out;
  const toml::table* trigger = nullptr;
  for (auto&& [k, v] : c) {
    if (k == "id") continue;
    if (k == "trigger") {
      trigger = v.as_table();
      if (!trigger) ctx.error(v.source(), "`trigger` in [[component]] must be a table");
      continue;
    }
    out.insert(k == "config" ? std::string("variables") : std::string(k.str()), v);
  }
  if (!trigger) {
    if (!c.get("trigger"))
      ctx.error(c.source(), "component `" + *id + "` has no [component.trigger]");
    return;
  }
  toml::table t = *trigger;
  t.insert_or_assign("id", "trigger-" + kebab);
  t.insert_or_assign("component", kebab);
  triggers.push_back(std::move(t));
  components.insert(kebab, std::move(out));
}

// Copies lose their positions in toml++; walk a copy beside its original and remember each
// node's and key's original position. `renamed` maps a copy's key to the original's.
void mapPositions(ParseContext& ctx, const toml::node& original, const toml::node& copy,
                  std::string_view renamed_from = {}, std::string_view renamed_to = {}) {
  ctx.remember(copy.source(), original.source());
  if (const toml::table* ct = copy.as_table()) {
    const toml::table* ot = original.as_table();
    if (!ot) return;
    for (auto&& [k, v] : *ct) {
      std::string_view name = k.str() == renamed_to ? renamed_from : k.str();
      auto it = ot->find(name);
      if (it == ot->end()) continue;
      ctx.remember(k.source(), it->first.source());
      mapPositions(ctx, it->second, v);
    }
  } else if (const toml::array* ca = copy.as_array()) {
    const toml::array* oa = original.as_array();
    for (size_t i = 0; oa && i < ca->size() && i < oa->size(); ++i) {
      mapPositions(ctx, (*oa)[i], (*ca)[i]);
    }
  }
}

// The upgraded tables' positions, from the v1 file: application keys, variables, each component
// table and its [component.trigger] (whose added `id` and `component` point at the v1 `id`).
void mapUpgraded(ParseContext& ctx, const toml::table& v1, const toml::table& root) {
  if (const toml::table* app = root.get_as<toml::table>("application")) {
    for (const char* key : {"name", "version", "description", "authors"}) {
      if (v1.get(key) && app->get(key)) mapPositions(ctx, *v1.get(key), *app->get(key));
    }
  }
  if (v1.get("variables") && root.get("variables")) {
    mapPositions(ctx, *v1.get("variables"), *root.get("variables"));
  }
  const toml::array* list = v1.get_as<toml::array>("component");
  const toml::table* components = root.get_as<toml::table>("component");
  const toml::table* trig = root.get_as<toml::table>("trigger");
  const toml::array* http = nullptr;
  if (trig && !trig->empty()) http = trig->cbegin()->second.as_array();
  size_t next_trigger = 0;
  for (size_t i = 0; list && components && i < list->size(); ++i) {
    const toml::table* c = (*list)[i].as_table();
    const toml::node* id = c ? c->get("id") : nullptr;
    if (!id || !id->is_string()) continue;
    std::string kebab = v1ComponentId(**id->as_string());
    auto it = components->find(kebab);
    if (it == components->end()) continue;
    mapPositions(ctx, *c, it->second, "config", "variables");
    const toml::node* t = c->get("trigger");
    if (!t || !http || next_trigger >= http->size()) continue;
    const toml::node& copy = (*http)[next_trigger++];
    mapPositions(ctx, *t, copy);
    if (const toml::table* ct = copy.as_table()) {
      for (const char* added : {"id", "component"}) {
        if (const toml::node* n = ct->get(added)) ctx.remember(n->source(), id->source());
      }
    }
  }
}

}  // namespace

bool isV1Manifest(const toml::table& root) {
  if (root.get("spin_version")) return true;
  const toml::node* v = root.get("spin_manifest_version");
  return v && (v->value<std::string>() == std::optional<std::string>("1") ||
               v->value<int64_t>() == std::optional<int64_t>(1));
}

toml::table upgradeV1(ParseContext& ctx, const toml::table& v1) {
  ctx.checkKeys(v1,
                {"spin_version", "spin_manifest_version", "name", "version", "description",
                 "authors", "trigger", "variables", "component"},
                "the (version 1) manifest");
  toml::table root{{"spin_manifest_version", 2}};
  toml::table app;
  for (const char* key : {"name", "version", "description", "authors"}) {
    if (const toml::node* n = v1.get(key)) app.insert(key, *n);
  }
  std::string type = "http";
  if (const toml::table* trig = ctx.getTable(v1, "trigger", "the manifest")) {
    type = ctx.getString(*trig, "type", "`trigger`", true).value_or("http");
    if (type != "http") {
      ctx.error(trig->source(), "trigger type `" + type + "` is not supported (tern serves http)");
    }
    toml::table global;
    for (auto&& [k, v] : *trig) {
      if (k != "type") global.insert(k, v);
    }
    app.insert("trigger", toml::table{{type, std::move(global)}});
  } else if (!v1.get("trigger")) {
    ctx.error(SourcePos{1, 1},
              "missing required key `trigger` (e.g. trigger = { type = \"http\" })");
  }
  root.insert("application", std::move(app));
  if (const toml::node* vars = v1.get("variables")) root.insert("variables", *vars);
  toml::table components;
  toml::array triggers;
  if (const toml::node* list = v1.get("component")) {
    if (const toml::array* a = list->as_array(); a && a->is_array_of_tables()) {
      for (const toml::node& c : *a) upgradeComponent(ctx, *c.as_table(), components, triggers);
    } else {
      ctx.error(list->source(), "`component` in a version 1 manifest is [[component]] tables");
    }
  }
  root.insert("trigger", toml::table{{type, std::move(triggers)}});
  if (!components.empty()) root.insert("component", std::move(components));
  return root;
}

void rememberV1Positions(ParseContext& ctx, const toml::table& v1, const toml::table& upgraded) {
  mapUpgraded(ctx, v1, upgraded);
}

}  // namespace tern::manifest::detail
