//! Chinese text the server itself produces for the console (error messages, export headings).
//! The console's own strings live in `web/src/i18n/`.

pub const NOT_SIGNED_IN: &str = "请先登录。";
pub const LOGIN_FAILED: &str = "用户名或密码错误。";
pub const LOCKED: &str = "登录失败次数过多，请 15 分钟后再试。";
pub const NOT_FOUND: &str = "未找到该案件或资源，或您无权查看。";
pub const FORBIDDEN: &str = "您的角色无权执行此操作。";
/// A workflow action taken at a township station: queued for the banner.
pub const FORWARDED: &str =
    "已记录，将在与旗级系统连通时提交办理；办理结果（或不能办理的原因）会显示在本站顶栏。";
/// A change asked of a township station's console: the banner is where cases are handled.
pub const STATION_READ_ONLY: &str = "这里是乡镇同步站：此项只能在旗级系统办理（案件的流程操作可在本站提交，连通时转旗级办理）。站上的调查数据会自动同步到旗级系统。";
/// A photo of an ID document (ID card, household register, a visit photo tagged 证件), refused to
/// those who see ID numbers masked.
pub const ID_DOCUMENT_MASKED: &str =
    "证件照片载有完整身份证号码，您的角色只能查看遮盖后的号码，不能查看证件照片。";
pub const NOTES_REQUIRED: &str = "退回时至少需要一条批注。";
pub const RULES_UNUSABLE: &str = "已安装的救助标准配置无法用于今天的测算，请管理员检查配置：";
pub const NO_RULES: &str = "尚未安装本地区的救助标准配置，无法计算收入核算建议。";
pub const WORKFLOW_CONFIG_UNUSABLE: &str =
    "本地区的办理流程配置（workflow.toml / calendar.toml）有误，请管理员检查：";
pub const SEPARATE_REASON_REQUIRED: &str = "标记单独登记备案时请写明与经办人员或村干部的亲属关系。";
pub const YES: &str = "是";
pub const NO: &str = "否";
pub const QUEUE_SHEET: &str = "案件队列";
pub const QUEUE_COLUMNS: [&str; 10] = [
    "案件编号",
    "申请人",
    "嘎查村",
    "状态",
    "调查小组",
    "截止日期",
    "照片(到达/引用)",
    "证据完整",
    "冲突数",
    "已退回",
];

pub fn status(code: &str) -> &str {
    jiuzhu_shared::workflow::State::from_code(code).map_or(code, |s| s.zh())
}
