//! The demo's matters, by type of body: each a matter that body actually
//! handles, with the answer it gets and what a review that changes it decides.

/// A demo matter: its title, whom it is about, and the answer it gets — each
/// a matter the type of body it is filed with actually handles.
pub(super) struct Matter {
    pub title: &'static str,
    pub subject: &'static str,
    pub answer: &'static str,
    /// What a review that changes the answer decides instead.
    pub changed: &'static str,
}

const COURT: &[Matter] = &[
    Matter {
        title: "判决生效后长期未执行",
        subject: "执行局承办人员",
        answer: "经查，该案已于立案后对被执行人的银行存款、不动产进行了查询和查封。因被执行人名下暂无可供执行的财产，执行工作尚未完成。本院已责令承办人员于30日内对被执行人进行财产调查，并依法将其纳入失信被执行人名单。执行进展将通过本院执行信息公开平台告知您。",
        changed: "经复查，原执行法院对被执行人的财产调查不全面，未查询被执行人名下的车辆和股权。现责令原执行法院于15日内补充调查，并依法采取相应执行措施。",
    },
    Matter {
        title: "执行款到账数月仍未发放",
        subject: "执行局承办人员",
        answer: "经查，该案执行款已于到账当月划入本院执行款专户。因申请人变更收款账户的材料不齐全，发放程序中止。本院已联系申请人补齐材料，执行款将于材料补齐后7个工作日内发放。承办人员未及时告知申请人所需材料，本院已对其进行批评教育。",
        changed: "经复查，执行款发放迟延的主要原因在于原执行法院内部审批环节拖延，原答复认定不准确。现责令原执行法院于5个工作日内发放执行款，并对相关人员的责任依规处理。",
    },
    Matter {
        title: "诉讼费用减免申请无人处理",
        subject: "立案庭工作人员",
        answer: "经查，您提交的诉讼费用缓交申请已于立案时登记，但承办人员未在规定期限内作出决定。本院已于收到信访事项后作出准予缓交的决定，并书面送达。本院已对立案环节的审批流程进行整改。",
        changed: "经复查，申请人符合诉讼费用减交的条件，原答复仅准予缓交不当。现决定准予减交诉讼费用50%。",
    },
];

const PROCURATORATE: &[Matter] = &[
    Matter {
        title: "举报线索提交后没有任何反馈",
        subject: "检察院办案人员",
        answer: "经查，您的举报材料已于收到当日登记，并依法移送本院相关部门审查。根据《人民检察院信访工作规定》，本院已于7个工作日内作出程序性回复，但回复未能送达。现再次书面告知：该线索正在审查中，审查结果将在3个月内告知您。",
        changed: "经复查，原检察院对举报线索的审查未在规定期限内完成，也未说明理由。现责令原检察院于30日内审查完毕，并将审查结果书面告知举报人。",
    },
    Matter {
        title: "不服不起诉决定申诉无人答复",
        subject: "检察院办案人员",
        answer: "经查，您对不起诉决定的申诉已由本院控告申诉检察部门受理。经审查，原不起诉决定认定事实清楚、适用法律正确，本院决定维持原不起诉决定。如不服，可依法向上一级人民检察院申诉。",
        changed: "经复查，原不起诉决定对部分证据未予审查，认定事实不清。现撤销原审查意见，由原检察院重新审查并作出决定。",
    },
];

const POLICE: &[Matter] = &[
    Matter {
        title: "报警后迟迟不予立案",
        subject: "派出所值班民警",
        answer: "经查，您报警反映的财物被盗一事，派出所已于接警当日受理并制作了询问笔录。因损失数额的认定需调取监控录像，立案审查超过了规定期限。现已依法立案侦查，案件进展将由办案民警告知您。派出所未及时告知您审查进展，已责令整改。",
        changed: "经复查，原公安机关在审查期限内未作出是否立案的决定，违反《公安机关办理刑事案件程序规定》。现责令其于3日内作出决定并书面告知报案人。",
    },
    Matter {
        title: "交通违法处罚认定事实有误",
        subject: "交警大队执勤民警",
        answer: "经调取执法记录仪视频和道路监控，您驾驶的车辆确有在禁止掉头路口掉头的行为，处罚认定事实清楚。您反映的执勤民警未出示证件一事，经查属实，已对该民警进行批评教育。如对处罚决定不服，可依法申请行政复议或提起行政诉讼。",
        changed: "经复查，监控录像不能清楚显示违法行为发生的地点，原处罚认定事实不清。现撤销该处罚决定，已缴纳的罚款予以退还。",
    },
    Matter {
        title: "扣押车辆案件终结后仍未返还",
        subject: "刑侦大队办案民警",
        answer: "经查，该案已于上月侦查终结，扣押的车辆与案件无关，依法应当解除扣押。办案部门已办理解除扣押手续，请您于15日内携带身份证件和车辆登记证书到停车场领取。停车期间产生的费用由公安机关承担。",
        changed: "经复查，车辆扣押期间因保管不善造成损坏，原答复未予处理。现责令原公安机关依法赔偿维修费用。",
    },
];

const JUSTICE: &[Matter] = &[
    Matter {
        title: "法律援助申请被拒绝",
        subject: "法律援助中心工作人员",
        answer: "经查，您的法律援助申请因经济困难证明材料不全未予受理。根据《法律援助法》，申请人可以书面说明经济困难状况。法律援助中心已重新审查您的申请，决定给予法律援助，并指派律师与您联系。",
        changed: "经复查，申请人符合法律援助条件，原决定不予援助不当。现决定给予法律援助，指派律师于5个工作日内与申请人联系。",
    },
    Matter {
        title: "社区矫正报到手续办理拖延",
        subject: "司法所工作人员",
        answer: "经查，司法所因交接材料未到齐，未能在规定时间内为您办理报到手续。现已办理完毕，并书面告知您社区矫正期间应遵守的规定。司法所已对接收环节的工作流程进行整改。",
        changed: "经复查，原司法所办理报到手续的拖延影响了申请人就业，原答复未予说明。现责令其出具书面说明并向申请人致歉。",
    },
];

const PRISON: &[Matter] = &[Matter {
    title: "家属会见申请被无故拖延",
    subject: "监狱管理人员",
    answer: "经查，您的会见申请因罪犯所在监区临时调整，未能在原定时间安排。监狱已于本周为您安排会见，并告知您网上预约会见的办理方式。今后监区调整时将提前告知家属。",
    changed: "经复查，原监狱未按规定时限安排会见，也未告知原因。现责令其于7日内安排会见，并完善会见预约告知制度。",
}];

const COMMITTEE: &[Matter] = &[Matter {
    title: "反映多个部门互相推诿",
    subject: "政法委工作人员",
    answer: "经协调，您反映的事项已明确由临江市公安局牵头办理，相关部门配合。政法委将督促牵头单位于30日内办结，并将办理结果书面告知您。",
    changed: "经复查，原协调意见未明确办理时限。现明确牵头单位须于15日内办结，政法委跟踪督办。",
}];

/// The matters a body of `t` handles.
pub(super) fn matters(t: crate::domain::agency::AgencyType) -> &'static [Matter] {
    use crate::domain::agency::AgencyType as T;
    match t {
        T::Court => COURT,
        T::Procuratorate => PROCURATORATE,
        T::PublicSecurity => POLICE,
        T::JusticeBureau => JUSTICE,
        T::Prison => PRISON,
        T::PoliticalLegalCommittee => COMMITTEE,
    }
}
