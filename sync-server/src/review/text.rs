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
// Spot checks (抽查, workflow::spot_checks).
pub const SPOT_CHECK_BUREAU_ONLY: &str = "抽查由旗民政局组织：只有民政局的账号可以抽取样本、登记核查结果或重新打开核查任务；乡镇可查看本乡镇被抽中案件的核查情况。";
pub const SPOT_CHECK_PERIOD: &str =
    "请按“年-月”选择抽查期间（如 2026-11），起始月份不能晚于结束月份。";
pub const SPOT_CHECK_SHARES: &str = "特困新增案件的抽查比例应在30%到100%之间（《特困人员认定办法》要求不低于30%），其他案件的抽查比例应在0%到100%之间。";
pub const SPOT_CHECK_SEED: &str = "随机种子请不超过64个字符；留空则由系统生成。";
pub const SPOT_CHECK_EMPTY: &str = "所选期间和乡镇没有受理的案件，无从抽查：请调整抽查期间或乡镇。";
pub const SPOT_CHECK_NONE_DRAWN: &str = "按所选比例没有抽中任何案件：请提高其他案件的抽查比例。";
pub const SPOT_CHECK_NOT_FOUND: &str = "没有这项核查任务，或您无权查看。";
pub const SPOT_CHECK_DONE: &str = "该核查任务已登记结果；如需更正，请先重新打开该任务并写明原因。";
pub const SPOT_CHECK_OPEN: &str = "该核查任务尚未登记结果，无需重新打开。";
pub const SPOT_CHECK_NOTE_REQUIRED: &str =
    "请写明核查情况：核查结果为“不属实，需整改”或“无法核查”时，以及重新打开任务时，需要说明。";
pub const SPOT_CHECK_NOTE_LONG: &str = "说明请不超过500个字。";
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

// Notices that reach people (`notify`): what a text or a WeChat message says ({name} is a
// parameter), and why a record could not be sent. Minimal on purpose: no name, ID number or amount.
pub const NOTIFY_NOTICE: &str =
    "您的社会救助申请（编号{case_no}）有一份{title}，请在手机页面“我的申请”中查看。";
pub const NOTIFY_BALLOT: &str =
    "您是“{meeting}”（{held_on}）的评议代表，请用手机打开评议链接投票：{url}";
pub const NOTIFY_REPORT_DUE: &str = "您家庭的社会救助定期核查已到期（应于{due}前完成），请在手机页面“定期报告”中报告家庭人口、收入、财产的变化。";
/// Where a ballot link stood in a text once it was sent: the link is a credential, not kept.
pub const NOTIFY_LINK_HIDDEN: &str = "（评议链接）";
pub const NOTIFY_NO_CHANNEL: &str = "未配置此通知渠道（数据目录中的 notify.toml）";
pub const NOTIFY_NO_TEMPLATE: &str = "notify.toml 中没有此类通知的模板";
pub const NOTIFY_INTERRUPTED: &str = "发送中服务器中断，结果未知（可能已送达）";

// Oversight: dashboards, the payment list, the 民政统计 figures (issue 14).
pub const BAD_MONTH: &str = "月份格式不正确，请写成“年-月”，例如 2026-11。";
pub const UNKNOWN_CHART: &str = "没有这个图表。";
pub const TOTAL: &str = "合计";
pub const BANNER: &str = "达拉特旗";
pub const BANNER_BUREAU: &str = "达拉特旗民政局";
pub const TOWNSHIP_GOVERNMENT: &str = "人民政府";
pub const DASH_STATES: &str = "案件状态";
pub const DASH_STATE: &str = "状态";
pub const DASH_PROGRAMMES: &str = "救助类别";
pub const DASH_PROGRAMME: &str = "类别";
pub const DASH_DEADLINES: &str = "办理时限";
pub const DASH_ITEM: &str = "项目";
pub const DASH_OVERDUE: &str = "已超期";
pub const DASH_DUE_SOON: &str = "5个工作日内到期";
pub const DASH_DECISIONS: &str = "审批结果";
pub const DASH_MONTH: &str = "月份";
pub const DASH_MONTH_YUAN: &str = "月份（金额：元）";
pub const DASH_APPROVED: &str = "确认";
pub const DASH_REFUSED: &str = "不予确认";
pub const DASH_PAYMENTS: &str = "在保户数人数";
pub const DASH_HOUSEHOLDS: &str = "在保户数";
pub const DASH_PEOPLE: &str = "在保人数";
pub const DASH_SPENDING: &str = "月度支出";
pub const DASH_INVESTIGATORS: &str = "调查员在办";
pub const DASH_INVESTIGATOR_COLUMNS: [&str; 3] = ["乡镇", "调查员", "在办案件数"];
pub const DASH_DISCOVERY: &str = "主动发现";
/// The deadline of a 探访 (主动发现).
pub const VISIT_DUE: &str = "探访期限";
pub const DASH_WARNINGS_OF: &str = "预警：";
pub const DASH_DISCOVERY_OUTCOMES: [&str; 3] = ["按时处置", "代为申请", "获得救助"];
pub const PAYMENT_TITLE: &str = "社会救助资金发放花名册";
pub const PAYMENT_SHEET: &str = "发放花名册";
pub const PAYMENT_COLUMNS: [&str; 9] = [
    "序号",
    "乡镇",
    "嘎查村（社区）",
    "户主",
    "人数",
    "救助类别",
    "金额（元）",
    "开户银行",
    "账号",
];
/// The printed list, a table per township: the bank's name stays in the Excel list, so that the
/// rest fits an A4 page unwrapped.
pub const PAYMENT_PDF_COLUMNS: [&str; 6] = ["嘎查村", "户主", "人数", "类别", "金额", "账号"];
pub const PAYMENT_UNIT: &str = "金额单位：元";

/// A programme as a printed table names it.
pub fn programme_short(p: jiuzhu_shared::workflow::Programme) -> &'static str {
    use jiuzhu_shared::workflow::Programme::*;
    match p {
        Dibao => "低保",
        Tekun => "特困",
        TemporaryUrgent | TemporaryExpense => "临时救助",
    }
}
pub const PAYMENT_SIGNER: &str = "制表人";
pub const PAYMENT_SIGNERS_REST: &str = "　　　　　　审核人：　　　　　　负责人：";
pub const PAYMENT_FOOTER: &str = "资金实行社会化发放，直接发放至救助对象账户。";
pub const STAT_SHEET: &str = "民政统计月报";
pub const STAT_ITEM: &str = "项目";
pub const STAT_DIBAO: &str = "最低生活保障";
pub const STAT_TEKUN: &str = "特困人员救助供养";
pub const STAT_TEMPORARY: &str = "临时救助";
pub const STAT_URBAN: &str = "城市";
pub const STAT_RURAL: &str = "农村牧区";
pub const STAT_COLUMNS: [&str; 3] = ["户数", "人数", "金额（元）"];
