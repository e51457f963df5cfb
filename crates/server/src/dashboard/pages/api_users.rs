//! API users: the list, the add form, one API user's page and its edit form.

use super::*;

pub struct UserRow {
    pub id: String,
    pub name: String,
    pub username: String,
    pub status: String,
    pub environment: String,
    pub group: String,
    pub integrations: String,
    pub tokens: i64,
    pub last_used: String,
}

#[derive(Template)]
#[template(path = "api_users.html")]
pub(super) struct ApiUsersPage {
    nav: Nav,
    rows: Vec<UserRow>,
    search: String,
    status: String,
    environment: String,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    search: Option<String>,
    status: Option<String>,
    environment: Option<String>,
    after: Option<Uuid>,
}

/// Names of the organization's groups and integrations, by id.
pub(super) async fn catalog(
    read: &Read<'_>,
) -> Result<(Vec<(Uuid, String)>, Vec<(Uuid, String)>), PageError> {
    let all = Page::first(1000);
    let groups = ops::catalog::list_groups(read, all).await?;
    let integrations = ops::catalog::list_integrations(read, all).await?;
    Ok((
        groups.into_iter().map(|g| (g.id, g.name)).collect(),
        integrations.into_iter().map(|i| (i.id, i.name)).collect(),
    ))
}

/// The tokens of one API user, newest first (at most 200).
async fn tokens_of(read: &Read<'_>, api_user: Uuid) -> Result<Vec<keyward_core::Token>, PageError> {
    let filter = TokenFilter {
        api_user_id: Some(api_user),
        ..Default::default()
    };
    Ok(ops::tokens::list(read, &filter, Page::first(200)).await?)
}

pub(super) fn name_of(list: &[(Uuid, String)], id: Option<Uuid>) -> String {
    id.and_then(|id| list.iter().find(|(i, _)| *i == id).map(|(_, n)| n.clone()))
        .unwrap_or_else(|| "—".into())
}

/// The integrations an API user may be used from, by name; none listed means any.
fn integration_names(integrations: &[(Uuid, String)], ids: &[Uuid]) -> String {
    if ids.is_empty() {
        return "any".into();
    }
    let names: Vec<String> = ids.iter().map(|i| name_of(integrations, Some(*i))).collect();
    names.join(", ")
}

pub async fn api_users(State(state): State<AppState>, s: Session, Query(q): Query<ListQuery>) -> PageResult {
    require_manager(&s, true)?;
    let now = state.clock.now();
    let filter = ApiUserFilter {
        search: q.search.clone().filter(|x| !x.trim().is_empty()),
        status: q.status.as_deref().and_then(keyward_core::ApiUserStatus::parse),
        environment: q.environment.as_deref().and_then(Environment::parse),
    };
    const PAGE: u32 = 50;
    let read = state.service.read(&s.caller)?;
    let page = Page {
        after: q.after,
        limit: PAGE + 1,
    };
    let mut users = ops::api_users::list(&read, &filter, page).await?;
    let next = (users.len() > PAGE as usize).then(|| {
        users.truncate(PAGE as usize);
        users.last().map(|(u, _)| u.id.to_string()).unwrap_or_default()
    });
    let (groups, integrations) = catalog(&read).await?;
    let mut rows = Vec::with_capacity(users.len());
    for (u, tokens) in users {
        let last_used = tokens_of(&read, u.id)
            .await?
            .iter()
            .filter_map(|t| t.last_used_at)
            .max();
        rows.push(UserRow {
            id: u.id.to_string(),
            group: name_of(&groups, u.permission_group_id),
            integrations: integration_names(&integrations, &u.integration_ids),
            tokens: tokens.unwrap_or(0),
            last_used: ago(last_used, now),
            name: u.name,
            username: u.username,
            status: u.status.as_str().into(),
            environment: u.environment.as_str().into(),
        });
    }
    Ok(html(
        StatusCode::OK,
        &ApiUsersPage {
            nav: Nav::new(&s, "api-users"),
            rows,
            search: q.search.unwrap_or_default(),
            status: q.status.unwrap_or_default(),
            environment: q.environment.unwrap_or_default(),
            next,
        },
    ))
}

/// The add and edit forms' values, kept when the server refuses them.
#[derive(Default)]
pub struct UserForm {
    pub name: String,
    pub username: String,
    pub mode: String,
    pub member: String,
    pub group: String,
    pub integrations: Vec<String>,
    pub set_password: bool,
    pub expiry: String,
    pub expiry_date: String,
    pub allowed_ips: String,
    pub environment: String,
    pub contact_email: String,
    pub external_id: String,
    /// A group made with the user: used when `group` is `new`.
    pub new_group_name: String,
    pub new_group_permissions: String,
}

#[derive(Template)]
#[template(path = "api_user_new.html")]
pub(super) struct NewUserPage {
    nav: Nav,
    form: UserForm,
    /// The organization's default expiry, in words.
    default_expiry: String,
    groups: Vec<(String, String)>,
    integrations: Vec<(String, String)>,
    members: Vec<(String, String)>,
    error: Option<(String, String)>,
}

/// The message of a refused form's error, when it is about `field`.
fn message_for<'a>(error: &'a Option<(String, String)>, field: &str) -> Option<&'a str> {
    error
        .as_ref()
        .filter(|(f, _)| f == field)
        .map(|(_, m)| m.as_str())
}

impl NewUserPage {
    /// The server's message for this field, shown next to it.
    fn err(&self, field: &str) -> Option<&str> {
        message_for(&self.error, field)
    }
}

pub(super) async fn new_user_page(
    state: &AppState,
    s: &Session,
    form: UserForm,
    error: Option<ApiError>,
) -> PageResult {
    let (groups, integrations) = catalog(&state.service.read(&s.caller)?).await?;
    let members = ops::members::list(&state.service.member_admin(&s.caller)?, Page::first(1000))
        .await?
        .into_iter()
        .map(|m| (m.id.to_string(), format!("{} ({})", m.name, m.email)))
        .collect();
    let status = error.as_ref().map(|e| e.status).unwrap_or(StatusCode::OK);
    Ok(html(
        status,
        &NewUserPage {
            nav: Nav::new(s, "api-users"),
            form,
            default_expiry: default_expiry_words(&state.service.read(&s.caller)?).await?,
            groups: groups.into_iter().map(|(i, n)| (i.to_string(), n)).collect(),
            integrations: integrations
                .into_iter()
                .map(|(i, n)| (i.to_string(), n))
                .collect(),
            members,
            error: error.map(|e| (e.field.as_deref().unwrap_or("").to_owned(), e.detail)),
        },
    ))
}

pub async fn api_user_new(State(state): State<AppState>, s: Session) -> PageResult {
    require_manager(&s, false)?;
    // A fresh organization has no group to choose: start on making one.
    let (groups, _) = catalog(&state.service.read(&s.caller)?).await?;
    let form = UserForm {
        mode: "new".into(),
        group: if groups.is_empty() {
            "new".into()
        } else {
            String::new()
        },
        expiry: String::new(),
        environment: "live".into(),
        ..Default::default()
    };
    new_user_page(&state, &s, form, None).await
}

/// A refusal of the group made inline, pointed at the form's own fields.
fn new_group_error(mut e: ApiError) -> ApiError {
    e.field = match e.field.as_deref() {
        Some("name") => Some("new_group_name".into()),
        Some("permissions") => Some("new_group_permissions".into()),
        _ => Some("permission_group_id".into()),
    };
    e
}

pub(super) fn user_form(f: &FormData) -> UserForm {
    UserForm {
        name: f.get("name"),
        username: f.get("username"),
        mode: f.get("mode"),
        member: f.get("linked_member_id"),
        group: f.get("permission_group_id"),
        integrations: f.all("integration_ids"),
        set_password: f.get("set_password") == "now",
        expiry: f.get("expiry"),
        expiry_date: f.get("expiry_date"),
        allowed_ips: f.get("allowed_ips"),
        environment: f.get("environment"),
        contact_email: f.get("contact_email"),
        external_id: f.get("external_id"),
        new_group_name: f.get("new_group_name"),
        new_group_permissions: f.get("new_group_permissions"),
    }
}

pub async fn api_user_create(State(state): State<AppState>, ManagerForm(s, f): ManagerForm) -> PageResult {
    let mut form = user_form(&f);
    let manage = state.service.manage(&s.caller).map_err(ApiError::from)?;
    let linked = form.mode == "member";
    // The group: one of the list, one made here, or none — said explicitly, since a user with no
    // group holds no permissions.
    let group = match form.group.as_str() {
        _ if linked => Ok(None),
        "" => Err(ApiError::invalid(
            "permission_group_id",
            "choose a permission group, create one here, or choose “No group” to give this API user no permissions",
        )),
        "none" => Ok(None),
        "new" => {
            let req = ops::catalog::CreateGroup {
                name: form.new_group_name.trim().to_owned(),
                description: String::new(),
                permissions: split_list(&form.new_group_permissions),
            };
            match ops::catalog::create_group(&manage, req).await {
                Ok(g) => {
                    // Made: if the user is refused below, the form comes back with it chosen.
                    form.group = g.id.to_string();
                    Ok(Some(g.id))
                }
                Err(e) => Err(new_group_error(ApiError::from(e))),
            }
        }
        _ => parse_ids("permission_group_id", &f.all("permission_group_id")).map(|mut ids| ids.pop()),
    };
    let group = match group {
        Ok(g) => g,
        Err(e) => return new_user_page(&state, &s, form, Some(e)).await,
    };
    let attempt = async {
        let (expires_at, expires_in_days) = expiry_fields(&f)?;
        let req = ops::api_users::CreateApiUser {
            username: form.username.clone(),
            name: f.opt("name"),
            description: String::new(),
            auth_method: None,
            environment: match form.environment.as_str() {
                "sandbox" => Some(Environment::Sandbox),
                _ => Some(Environment::Live),
            },
            permission_group_id: group,
            linked_member_id: if linked {
                parse_ids("linked_member_id", &f.all("linked_member_id"))?.pop()
            } else {
                None
            },
            integration_ids: parse_ids("integration_ids", &form.integrations)?,
            allowed_ips: split_list(&form.allowed_ips),
            expires_at,
            expires_in_days,
            contact_email: f.opt("contact_email"),
            external_id: f.opt("external_id"),
            metadata: Default::default(),
            password: form.set_password.then(|| f.get("password")),
            ratelimits: Vec::new(),
            credits: None,
        };
        Ok::<_, ApiError>(ops::api_users::create(&manage, req).await?)
    };
    match attempt.await {
        Ok(user) => Ok(see_other(&format!("/dashboard/api-users/{}", user.id))),
        Err(e) if e.status.is_client_error() => new_user_page(&state, &s, form, Some(e)).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "api_user.html")]
pub(super) struct UserPage {
    nav: Nav,
    user: UserView,
    tokens: Vec<TokenRow>,
    groups: Vec<(String, String)>,
    integrations: Vec<(String, String)>,
    error: Option<(String, String)>,
    notice: Option<String>,
    /// The secret of a token just created: shown on this one answer only.
    created: Option<CreatedSecret>,
    chart: String,
    /// The organization's default expiry, in words.
    default_expiry: String,
    limits: LimitsView,
}

impl UserPage {
    /// The server's message for this field, shown next to it.
    fn err(&self, field: &str) -> Option<&str> {
        message_for(&self.error, field)
    }
}

pub struct CreatedSecret {
    pub name: String,
    pub secret: String,
    pub expires: String,
}

impl CreatedSecret {
    pub fn of(token: &Token, secret: String) -> Self {
        Self {
            name: token.name.clone(),
            secret,
            expires: token
                .expires_at
                .map(keyward_service::rfc3339)
                .unwrap_or_else(|| "never".into()),
        }
    }
}

pub struct UserView {
    pub id: String,
    pub name: String,
    pub username: String,
    pub status: String,
    pub suspended: bool,
    pub environment: String,
    pub group: String,
    pub group_id: String,
    pub linked: bool,
    pub integration_ids: Vec<String>,
    pub integrations: String,
    pub allowed_ips: String,
    pub expires: String,
    pub contact_email: String,
    pub external_id: String,
    pub has_password: bool,
    /// It may log in at `/oauth2/token`, with its id as client id.
    pub oauth_client: bool,
}

pub(super) async fn user_page(
    state: &AppState,
    s: &Session,
    key: &str,
    error: Option<ApiError>,
    notice: Option<String>,
    created: Option<CreatedSecret>,
) -> PageResult {
    let now = state.clock.now();
    let read = state.service.read(&s.caller)?;
    let u: ApiUser = ops::api_users::resolve(&read, key).await?;
    let (groups, integrations) = catalog(&read).await?;
    let mut toks = tokens_of(&read, u.id).await?;
    toks.sort_by_key(|t| (t.status == TokenStatus::Revoked, std::cmp::Reverse(t.created_at)));
    let since = now - Duration::days(30);
    let series = ops::usage::series_since(&read, UsageScope::ApiUser(u.id), since).await?;
    let mut tokens: Vec<TokenRow> = toks.into_iter().map(|t| TokenRow::new(t, now)).collect();
    TokenRow::mark_leaks(&mut tokens, &read).await?;
    let status = error.as_ref().map(|e| e.status).unwrap_or(StatusCode::OK);
    let page = UserPage {
        nav: Nav::new(s, "api-users"),
        user: UserView {
            id: u.id.to_string(),
            group: name_of(&groups, u.permission_group_id),
            group_id: u.permission_group_id.map(|g| g.to_string()).unwrap_or_default(),
            linked: u.linked_member_id.is_some(),
            integration_ids: u.integration_ids.iter().map(Uuid::to_string).collect(),
            integrations: integration_names(&integrations, &u.integration_ids),
            allowed_ips: u.allowed_ips.to_strings().join(", "),
            expires: date(u.expires_at),
            contact_email: u.contact_email.clone().unwrap_or_default(),
            external_id: u.external_id.clone().unwrap_or_default(),
            has_password: u.has_password,
            oauth_client: u.auth_method != keyward_core::AuthMethod::Token,
            suspended: u.status == keyward_core::ApiUserStatus::Suspended,
            status: u.status.as_str().into(),
            environment: u.environment.as_str().into(),
            name: u.name,
            username: u.username,
        },
        tokens,
        groups: groups.into_iter().map(|(i, n)| (i.to_string(), n)).collect(),
        integrations: integrations
            .into_iter()
            .map(|(i, n)| (i.to_string(), n))
            .collect(),
        error: error.map(|e| (e.field.as_deref().unwrap_or("").to_owned(), e.detail)),
        notice,
        created,
        chart: super::super::chart::daily(&series, now, 30),
        default_expiry: default_expiry_words(&read).await?,
        limits: LimitsView::of(
            &read,
            keyward_core::quota::LimitScope::ApiUser(u.id),
            &u.ratelimits,
            u.credits.as_ref(),
        ),
    };
    Ok(no_store(html(status, &page)))
}

pub async fn api_user_detail(
    State(state): State<AppState>,
    s: Session,
    Path(key): Path<String>,
) -> PageResult {
    require_manager(&s, true)?;
    // A secret a form just made is shown here, once, after its redirect.
    let held = keyward_service::flash::take(&state.service.read(&s.caller)?, &s.flash).await?;
    let (notice, created) = match held {
        Some(h) => (h.notice, Some(CreatedSecret::of(&h.token, h.secret))),
        None => (None, None),
    };
    user_page(&state, &s, &key, None, notice, created).await
}

/// A form's address opened directly (reload, back, a bookmark): the API user's page, which
/// never holds a secret.
pub async fn to_user_page(Path(key): Path<String>) -> Response {
    see_other(&format!("/dashboard/api-users/{key}"))
}

pub async fn api_user_edit(
    State(state): State<AppState>,
    Path(key): Path<String>,
    ManagerForm(s, f): ManagerForm,
) -> PageResult {
    let attempt = async {
        let (expires_at, expires_in_days) = match f.get("expiry").as_str() {
            "keep" => (None, None),
            "none" => (Some(None), None),
            _ => expiry_fields(&f)?,
        };
        let req = ops::api_users::UpdateApiUser {
            username: f.opt("username"),
            name: f.opt("name"),
            description: None,
            environment: Environment::parse(&f.get("environment")),
            auth_method: None,
            permission_group_id: if f.get("linked") == "1" {
                None
            } else {
                Some(parse_ids("permission_group_id", &f.all("permission_group_id"))?.pop())
            },
            linked_member_id: None,
            integration_ids: Some(parse_ids("integration_ids", &f.all("integration_ids"))?),
            allowed_ips: Some(split_list(&f.get("allowed_ips"))),
            expires_at,
            expires_in_days,
            contact_email: Some(f.opt("contact_email")),
            external_id: Some(f.opt("external_id")),
            metadata: None,
            ratelimits: None,
            credits: None,
        };
        Ok::<_, ApiError>(ops::api_users::update(&state.service.manage(&s.caller)?, &key, req).await?)
    };
    match attempt.await {
        Ok(v) => Ok(see_other(&format!("/dashboard/api-users/{}?saved=1", v.id))),
        Err(e) => super::actions::refused(&state, &s, &key, e).await,
    }
}
