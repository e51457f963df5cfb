//! Permission groups, integrations and members: list, add, edit, delete. Super admins only.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use keyward_core::{IntegrationStatus, Role};
use keyward_store::Page;
use uuid::Uuid;

use super::pages::{FormData, ManagerForm, Nav, split_list};
use super::{PageError, Session, html, require_manager, see_other};
use crate::app::AppState;
use crate::error::ApiError;
use keyward_service::catalog as ops;
use keyward_service::members;
use keyward_service::routes;

type PageResult = Result<Response, PageError>;

pub struct Row {
    pub id: String,
    /// The values by field name, in the page's column order; the row's edit form holds them.
    pub values: Vec<(&'static str, String)>,
}

/// One field of an add or edit form.
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    /// `text`, `email`, `password`, `url`, or `select:a|b|c`.
    pub kind: &'static str,
    pub help: &'static str,
}

impl Field {
    const fn new(name: &'static str, label: &'static str, kind: &'static str, help: &'static str) -> Self {
        Field {
            name,
            label,
            kind,
            help,
        }
    }

    pub fn options(&self) -> Vec<&'static str> {
        self.kind
            .strip_prefix("select:")
            .map(|o| o.split('|').collect())
            .unwrap_or_default()
    }

    pub fn is_select(&self) -> bool {
        self.kind.starts_with("select:")
    }
}

/// The value named `name` among a form's or a row's pairs; empty when there is none.
fn value_of<'a, K: AsRef<str>>(pairs: &'a [(K, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k.as_ref() == name)
        .map_or("", |(_, v)| v.as_str())
}

#[derive(Template)]
#[template(path = "catalog.html")]
struct CatalogPage {
    nav: Nav,
    title: &'static str,
    singular: &'static str,
    base: &'static str,
    rows: Vec<Row>,
    fields: Vec<Field>,
    edit_fields: Vec<Field>,
    error: Option<String>,
    notice: Option<String>,
    typed: Vec<(String, String)>,
    delete_warning: &'static str,
    /// Shown below, read-only: keyward's own endpoints (on the API URLs page).
    own_endpoints: Vec<(String, String, String, String)>,
}

impl CatalogPage {
    /// An empty page of `kind`: no rows, nothing typed, no message, no endpoints of keyward's own.
    fn of(s: &Session, kind: Kind, title: &'static str, singular: &'static str) -> Self {
        CatalogPage {
            nav: Nav::new(s, kind.nav()),
            title,
            singular,
            base: kind.base(),
            rows: vec![],
            fields: vec![],
            edit_fields: vec![],
            error: None,
            notice: None,
            typed: vec![],
            delete_warning: "",
            own_endpoints: vec![],
        }
    }

    /// The table's columns: every field but a password, by its label.
    fn columns(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.fields
            .iter()
            .filter(|f| f.kind != "password")
            .map(|f| f.label)
    }

    fn typed(&self, name: &str) -> &str {
        value_of(&self.typed, name)
    }
}

impl Row {
    fn new(id: Uuid, values: Vec<(&'static str, String)>) -> Self {
        Row {
            id: id.to_string(),
            values,
        }
    }

    fn value(&self, name: &str) -> &str {
        value_of(&self.values, name)
    }
}

#[derive(Clone, Copy)]
pub enum Kind {
    Groups,
    Integrations,
    Members,
    /// The platform's routes, on the API URLs page.
    Routes,
}

impl Kind {
    fn base(self) -> &'static str {
        match self {
            Self::Groups => "/dashboard/groups",
            Self::Integrations => "/dashboard/integrations",
            Self::Members => "/dashboard/members",
            Self::Routes => "/dashboard/endpoints",
        }
    }

    /// The navigation entry it stands under: the last part of its path.
    fn nav(self) -> &'static str {
        self.base().trim_start_matches("/dashboard/")
    }
}

async fn render(
    state: &AppState,
    s: &Session,
    kind: Kind,
    error: Option<ApiError>,
    notice: Option<String>,
    typed: Vec<(String, String)>,
) -> PageResult {
    let status = error.as_ref().map(|e| e.status).unwrap_or(StatusCode::OK);
    let all = Page::first(1000);
    let page = match kind {
        Kind::Groups => CatalogPage {
            rows: ops::list_groups(&state.service.read(&s.caller)?, all)
                .await?
                .into_iter()
                .map(|g| {
                    let perms = g.permissions.iter().collect::<Vec<_>>().join(", ");
                    Row::new(
                        g.id,
                        vec![
                            ("name", g.name),
                            ("description", g.description),
                            ("permissions", perms),
                        ],
                    )
                })
                .collect(),
            fields: vec![
                Field::new("name", "Name", "text", ""),
                Field::new("description", "Description", "text", ""),
                Field::new(
                    "permissions",
                    "Permissions",
                    "text",
                    "comma-separated, such as contacts:read, contacts:write",
                ),
            ],
            delete_warning: "Deleting this permission group cannot be undone. Groups in use cannot be deleted.",
            ..CatalogPage::of(s, kind, "Permission groups", "permission group")
        },
        Kind::Integrations => CatalogPage {
            rows: ops::list_integrations(&state.service.read(&s.caller)?, all)
                .await?
                .into_iter()
                .map(|i| {
                    let values = vec![
                        ("name", i.name),
                        ("type", i.kind),
                        ("status", i.status.as_str().into()),
                        ("allowed_ips", i.allowed_ips.to_strings().join(", ")),
                        ("public_url", i.public_url.unwrap_or_default()),
                    ];
                    Row::new(i.id, values)
                })
                .collect(),
            fields: vec![
                Field::new("name", "Name", "text", ""),
                Field::new("type", "Type", "text", "such as crm, erp, webshop"),
                Field::new("status", "Status", "select:active|inactive", ""),
                Field::new(
                    "allowed_ips",
                    "Allowed IPs",
                    "text",
                    "comma-separated addresses or CIDR ranges; empty: any",
                ),
                Field::new("public_url", "Public URL", "url", "used in links"),
            ],
            delete_warning: "Deleting this integration cannot be undone. Integrations in use cannot be deleted.",
            ..CatalogPage::of(s, kind, "Integrations", "integration")
        },
        Kind::Members => CatalogPage {
            rows: members::list(&state.service.member_admin(&s.caller)?, all)
                .await?
                .into_iter()
                .map(|m| {
                    Row::new(
                        m.id,
                        vec![
                            ("name", m.name),
                            ("email", m.email),
                            ("role", m.role.as_str().into()),
                        ],
                    )
                })
                .collect(),
            fields: vec![
                Field::new("name", "Name", "text", ""),
                Field::new("email", "Email", "email", ""),
                Field::new(
                    "role",
                    "Role",
                    "select:admin|auditor|super_admin",
                    "admins read and get notification emails; auditors read; super admins manage",
                ),
                Field::new("password", "Password", "password", "at least 10 characters"),
            ],
            delete_warning: "Deleting this member signs them out and cannot be undone.",
            ..CatalogPage::of(s, kind, "Members", "member")
        },
        Kind::Routes => routes_page(state, s, all).await?,
    };
    let edit_fields = page
        .fields
        .iter()
        .map(|f| {
            let help = if f.kind == "password" {
                "empty: keep the current one"
            } else {
                f.help
            };
            Field::new(f.name, f.label, f.kind, help)
        })
        .collect();
    Ok(html(
        status,
        &CatalogPage {
            edit_fields,
            error: error.map(|e| e.detail),
            notice,
            typed,
            ..page
        },
    ))
}

/// The API URLs page: the platform's routes (what the gateway enforces), then keyward's own.
async fn routes_page(state: &AppState, s: &Session, all: Page) -> Result<CatalogPage, PageError> {
    let read = state.service.read(&s.caller)?;
    let integrations: Vec<_> = ops::list_integrations(&read, all).await?;
    let integration_name = |id: Option<Uuid>| {
        id.map(|id| {
            integrations
                .iter()
                .find(|i| i.id == id)
                .map_or_else(|| id.to_string(), |i| i.name.clone())
        })
        .unwrap_or_default()
    };
    let mut routes = routes::list(&read, all).await?;
    routes.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
    Ok(CatalogPage {
        rows: routes
            .into_iter()
            .map(|r| {
                let values = vec![
                    ("method", r.method),
                    ("path", r.path),
                    ("permissions", r.permissions.join(", ")),
                    ("integration", integration_name(r.integration_id)),
                    ("description", r.description),
                ];
                Row::new(r.id, values)
            })
            .collect(),
        fields: vec![
            Field::new("method", "Method", "text", "GET, POST, … or * for any"),
            Field::new(
                "path",
                "Path",
                "text",
                "such as /contacts/{id}; {name} is one segment, a final /* any rest",
            ),
            Field::new(
                "permissions",
                "Permissions",
                "text",
                "comma-separated; a token needs all of them",
            ),
            Field::new("integration", "Integration", "text", "a name; empty: none"),
            Field::new("description", "Description", "text", ""),
        ],
        delete_warning: "The gateway stops allowing this route at once.",
        own_endpoints: state
            .endpoints
            .iter()
            .map(|e| {
                (
                    e.method.clone(),
                    super::markdown::path(&e.path),
                    e.requires.clone(),
                    super::markdown::inline(&e.summary),
                )
            })
            .collect(),
        ..CatalogPage::of(s, Kind::Routes, "API URLs", "route")
    })
}

/// An integration named in a form: by name or id; empty is none.
async fn integration_named(state: &AppState, s: &Session, name: &str) -> Result<Option<Uuid>, ApiError> {
    let name = name.trim();
    if name.is_empty() {
        return Ok(None);
    }
    let all = ops::list_integrations(&state.service.read(&s.caller)?, Page::first(1000)).await?;
    all.iter()
        .find(|i| i.name == name || i.id.to_string() == name)
        .map(|i| Some(i.id))
        .ok_or_else(|| ApiError::invalid("integration", "no integration has this name"))
}

fn guard(s: &Session, kind: Kind) -> Result<(), PageError> {
    match kind {
        // Members are managed by super admins only; auditors may read groups and integrations.
        Kind::Members if s.role() != Some(Role::SuperAdmin) => Err(PageError::SuperAdminsOnly),
        _ => require_manager(s, true).map(|_| ()),
    }
}

pub async fn list(State(state): State<AppState>, s: Session, kind: Kind) -> PageResult {
    guard(&s, kind)?;
    render(&state, &s, kind, None, None, vec![]).await
}

fn opt(f: &FormData, name: &str) -> Option<String> {
    f.opt(name)
}

pub async fn create(State(state): State<AppState>, kind: Kind, ManagerForm(s, f): ManagerForm) -> PageResult {
    guard(&s, kind)?;
    let result: Result<String, ApiError> = match kind {
        Kind::Groups => async {
            let m = state.service.manage(&s.caller)?;
            Ok::<_, ApiError>(
                ops::create_group(
                    &m,
                    ops::CreateGroup {
                        name: f.get("name"),
                        description: f.get("description"),
                        permissions: split_list(&f.get("permissions")),
                    },
                )
                .await?,
            )
        }
        .await
        .map(|g| format!("Permission group “{}” added.", g.name)),
        Kind::Integrations => async {
            let m = state.service.manage(&s.caller)?;
            Ok::<_, ApiError>(
                ops::create_integration(
                    &m,
                    ops::CreateIntegration {
                        name: f.get("name"),
                        kind: f.get("type"),
                        status: IntegrationStatus::parse(&f.get("status")),
                        allowed_ips: split_list(&f.get("allowed_ips")),
                        public_url: opt(&f, "public_url"),
                    },
                )
                .await?,
            )
        }
        .await
        .map(|i| format!("Integration “{}” added.", i.name)),
        Kind::Routes => async {
            let req = routes::CreateRoute {
                method: f.get("method"),
                path: f.get("path"),
                permissions: split_list(&f.get("permissions")),
                integration_id: integration_named(&state, &s, &f.get("integration")).await?,
                description: f.get("description"),
            };
            Ok::<_, ApiError>(routes::create(&state.service.manage(&s.caller)?, req).await?)
        }
        .await
        .map(|r| format!("Route {} {} added.", r.method, r.path)),
        Kind::Members => match Role::parse(&f.get("role")) {
            None => Err(ApiError::invalid("role", "choose admin, auditor or super_admin")),
            Some(role) => async {
                let req = members::CreateMember {
                    email: f.get("email"),
                    name: f.get("name"),
                    role,
                    password: f.get("password"),
                    permission_group_id: None,
                };
                Ok::<_, ApiError>(members::create(&state.service.member_admin(&s.caller)?, req).await?)
            }
            .await
            .map(|m| format!("Member {} added.", m.email)),
        },
    };
    finish(&state, &s, kind, result, &f).await
}

async fn finish(
    state: &AppState,
    s: &Session,
    kind: Kind,
    result: Result<String, ApiError>,
    f: &FormData,
) -> PageResult {
    match result {
        Ok(notice) => render(state, s, kind, None, Some(notice), vec![]).await,
        Err(e) if e.shown_on_form() => {
            // Keep what was typed (never a password) next to the server's message.
            let typed =
                f.0.iter()
                    .filter(|(k, _)| k != "password" && k != "csrf")
                    .cloned()
                    .collect();
            render(state, s, kind, Some(e), None, typed).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn change(
    State(state): State<AppState>,
    kind: Kind,
    Path(id): Path<Uuid>,
    ManagerForm(s, f): ManagerForm,
) -> PageResult {
    guard(&s, kind)?;
    let deleting = f.get("do") == "delete";
    if deleting && f.get("confirm") != "yes" {
        return Err(PageError::Api(ApiError::invalid(
            "confirm",
            "confirm the deletion in the dialog",
        )));
    }
    let result: Result<String, ApiError> = match (kind, deleting) {
        (Kind::Groups, true) => {
            async { Ok::<_, ApiError>(ops::delete_group(&state.service.manage(&s.caller)?, id).await?) }
                .await
                .map(|_| "Deleted.".into())
        }
        (Kind::Integrations, true) => {
            async { Ok::<_, ApiError>(ops::delete_integration(&state.service.manage(&s.caller)?, id).await?) }
                .await
                .map(|_| "Deleted.".into())
        }
        (Kind::Routes, true) => {
            async { Ok::<_, ApiError>(routes::delete(&state.service.manage(&s.caller)?, id).await?) }
                .await
                .map(|_| "Deleted.".into())
        }
        (Kind::Routes, false) => async {
            let req = routes::UpdateRoute {
                method: opt(&f, "method"),
                path: opt(&f, "path"),
                permissions: Some(split_list(&f.get("permissions"))),
                integration_id: Some(integration_named(&state, &s, &f.get("integration")).await?),
                description: Some(f.get("description")),
            };
            Ok::<_, ApiError>(routes::update(&state.service.manage(&s.caller)?, id, req).await?)
        }
        .await
        .map(|_| "Saved.".into()),
        (Kind::Members, true) => {
            async { Ok::<_, ApiError>(members::delete(&state.service.member_admin(&s.caller)?, id).await?) }
                .await
                .map(|_| "Deleted.".into())
        }
        (Kind::Groups, false) => async {
            let req = ops::UpdateGroup {
                name: opt(&f, "name"),
                description: Some(f.get("description")),
                permissions: Some(split_list(&f.get("permissions"))),
            };
            Ok::<_, ApiError>(ops::update_group(&state.service.manage(&s.caller)?, id, req).await?)
        }
        .await
        .map(|_| "Saved.".into()),
        (Kind::Integrations, false) => async {
            let req = ops::UpdateIntegration {
                name: opt(&f, "name"),
                kind: Some(f.get("type")),
                status: IntegrationStatus::parse(&f.get("status")),
                allowed_ips: Some(split_list(&f.get("allowed_ips"))),
                public_url: Some(opt(&f, "public_url")),
            };
            Ok::<_, ApiError>(ops::update_integration(&state.service.manage(&s.caller)?, id, req).await?)
        }
        .await
        .map(|_| "Saved.".into()),
        (Kind::Members, false) => async {
            let req = members::UpdateMember {
                name: opt(&f, "name"),
                email: opt(&f, "email"),
                role: Role::parse(&f.get("role")),
                password: opt(&f, "password"),
                permission_group_id: None,
            };
            Ok::<_, ApiError>(members::update(&state.service.member_admin(&s.caller)?, id, req).await?)
        }
        .await
        .map(|_| "Saved.".into()),
    };
    finish(&state, &s, kind, result, &f).await
}

pub async fn back(kind: Kind) -> Response {
    see_other(kind.base())
}
