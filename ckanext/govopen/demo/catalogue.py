"""The demo city catalogue: departments, datasets and how to make their CSV files.

Pure data and generation, no CKAN imports. The figures are invented (演示数据) and
deterministic, so every demo portal looks the same.
"""
from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta

CITY = "巢湖市"
REGION_CODE = "340181"
DEMO_NOTE = "（演示数据，数值为虚构，仅用于展示门户功能。）"

TOWNS = ["卧牛山街道", "亚父街道", "天河街道", "凤凰山街道", "半汤街道", "中庙街道", "黄麓镇",
         "烔炀镇", "中垾镇", "柘皋镇", "夏阁镇", "槐林镇", "散兵镇", "坝镇", "苏湾镇", "庙岗镇"]
ROADS = ["巢湖路", "健康路", "人民路", "天河路", "金山路", "半汤路", "环城南路", "滨湖大道",
         "长江西路", "东风路", "旗山路", "朝阳路"]
FIRM_WORDS = ["华安", "湖畔", "中庙", "卧牛", "长源", "新城", "惠民", "皖中", "金巢", "汇通",
              "瑞丰", "恒信", "晨光", "鼎盛", "天河"]
FIRM_KINDS = ["商贸有限公司", "科技有限公司", "物流有限公司", "食品有限公司", "建设有限公司",
              "餐饮管理有限公司", "运输有限公司", "医药连锁有限公司"]

DEPARTMENTS = [
    {"name": "data-bureau", "title": "市数据资源局", "department_type": "data_authority",
     "description": "负责全市政务数据资源统筹管理、共享开放和平台建设，受理数据开放申请的监督与协调。"},
    {"name": "transport-bureau", "title": "市交通运输局", "department_type": "ordinary",
     "description": "负责全市道路、水路运输和城市公共交通的行业管理。"},
    {"name": "ecology-environment-bureau", "title": "市生态环境局", "department_type": "ordinary",
     "description": "负责全市生态环境监测、污染防治和环境执法。"},
    {"name": "market-regulation-bureau", "title": "市市场监督管理局", "department_type": "ordinary",
     "description": "负责市场主体登记注册、食品安全、产品质量和价格监督管理。"},
    {"name": "health-commission", "title": "市卫生健康委员会", "department_type": "ordinary",
     "description": "负责全市医疗卫生服务、疾病预防控制和人口监测。"},
    {"name": "hrss-bureau", "title": "市人力资源和社会保障局", "department_type": "ordinary",
     "description": "负责全市就业促进、社会保险和职业能力建设。"},
]

# Column generators: "town", "road", "firm", "seq:PREFIX", "int:LO-HI", "float:LO-HI",
# "date", "month", "year", "choice:A|B|C", "phone".
_U, _A, _N = "unconditional", "on_application", "not_open"
_SU, _SC, _SN = "unconditional", "conditional", "not_shared"

DATASETS = [
    # 市数据资源局
    dict(org="data-bureau", name="resident-population-2025", title="全市常住人口统计（2025年）",
         notes="按乡镇（街道）统计的年末常住人口、户籍人口和城镇化率，来源于人口抽样调查。",
         tags=["人口", "统计"], themes=["人口"], frequency="annual", open=_U, share=_SU,
         columns=[("乡镇街道", "town"), ("常住人口（人）", "int:18000-160000"),
                  ("户籍人口（人）", "int:20000-150000"), ("城镇化率（%）", "float:35-92")], rows=16),
    dict(org="data-bureau", name="legal-entity-basic-info", title="法人单位基础信息",
         notes="全市机关、事业单位、企业和社会组织的统一社会信用代码、名称、登记机关等基础信息。",
         tags=["法人", "基础库"], themes=["法人单位"], frequency="daily", open=_A, share=_SU,
         columns=[("统一社会信用代码", "seq:91340181MA2"), ("单位名称", "firm"), ("登记机关", "choice:市市场监督管理局|市民政局|市委编办"),
                  ("成立日期", "date")], rows=40),
    dict(org="data-bureau", name="data-catalogue-compilation", title="政务数据资源目录编制情况",
         notes="各部门政务数据资源目录编制、挂接和更新情况，按季度汇总。",
         tags=["目录", "考核"], themes=["政务服务"], frequency="quarterly", open=_U, share=_SU,
         columns=[("部门", "choice:市交通运输局|市生态环境局|市市场监督管理局|市卫生健康委员会|市人力资源和社会保障局"),
                  ("目录数（条）", "int:20-260"), ("已挂接资源数", "int:10-240"), ("季度", "choice:2025Q1|2025Q2|2025Q3|2025Q4")], rows=20),
    dict(org="data-bureau", name="government-service-items", title="政务服务事项清单",
         notes="市级政务服务事项名称、实施部门、办理时限和是否可全程网办。",
         tags=["政务服务", "一网通办"], themes=["政务服务"], frequency="monthly", open=_U, share=_SU,
         columns=[("事项编码", "seq:3401810"), ("实施部门", "choice:市交通运输局|市市场监督管理局|市卫生健康委员会|市人力资源和社会保障局"),
                  ("承诺时限（工作日）", "int:1-20"), ("全程网办", "choice:是|否")], rows=30),
    dict(org="data-bureau", name="electronic-licence-catalogue", title="电子证照目录",
         notes="全市已归集的电子证照类型、签发部门和归集数量。",
         tags=["电子证照"], themes=["电子证照"], frequency="monthly", open=_N, share=_SC,
         columns=[("证照类型", "choice:营业执照|食品经营许可证|道路运输证|医师执业证书|出生医学证明"),
                  ("签发部门", "choice:市市场监督管理局|市交通运输局|市卫生健康委员会"), ("归集数量", "int:200-90000")], rows=12),
    dict(org="data-bureau", name="standard-address", title="标准地址信息",
         notes="全市标准地址库，包括乡镇街道、道路、门牌号和经纬度（空间地理基础数据）。",
         tags=["地址", "空间地理"], themes=["空间地理"], frequency="weekly", open=_A, share=_SU,
         columns=[("乡镇街道", "town"), ("道路", "road"), ("门牌号", "int:1-999"),
                  ("经度", "float:117.70-117.98"), ("纬度", "float:31.52-31.72")], rows=40),
    # 市交通运输局
    dict(org="transport-bureau", name="bus-routes", title="公交线路信息",
         notes="城市公交线路编号、起止站点、首末班时间和票价。Bus routes of the city.",
         tags=["公交", "出行"], themes=["交通"], frequency="monthly", open=_U, share=_SU,
         columns=[("线路", "seq:"), ("起点", "road"), ("终点", "road"), ("首班", "choice:05:30|06:00|06:30"),
                  ("末班", "choice:18:30|19:00|21:00"), ("票价（元）", "choice:1|2")], rows=24),
    dict(org="transport-bureau", name="bus-stops", title="公交站点位置",
         notes="公交站点名称、所在道路和经纬度坐标。",
         tags=["公交", "站点"], themes=["交通"], frequency="monthly", open=_U, share=_SU,
         columns=[("站点名称", "road"), ("所在乡镇街道", "town"), ("经度", "float:117.70-117.98"),
                  ("纬度", "float:31.52-31.72")], rows=40),
    dict(org="transport-bureau", name="taxi-operators", title="出租汽车经营企业名录",
         notes="取得出租汽车经营许可的企业名称、车辆数和许可有效期。",
         tags=["出租车", "许可"], themes=["交通", "企业登记监管"], frequency="quarterly", open=_U, share=_SU,
         columns=[("企业名称", "firm"), ("车辆数", "int:20-420"), ("许可有效期至", "date")], rows=12),
    dict(org="transport-bureau", name="road-freight-licences", title="道路货运经营许可信息",
         notes="道路普通货物运输经营许可证号、经营者和经营范围。含经营者联系方式，依申请开放。",
         tags=["货运", "许可"], themes=["交通", "信用"], frequency="weekly", open=_A, share=_SC,
         # Published open to all at first; the history shows why that changed.
         first_open=_U, change_reason="许可信息中含经营者联系电话等个人信息，依据《巢湖市政务数据共享开放管理办法》第十七条调整为依申请开放。",
         columns=[("许可证号", "seq:皖交运管许可巢字3401810"), ("经营者", "firm"), ("经营范围", "choice:普通货运|货物专用运输|大型物件运输"),
                  ("联系电话", "phone")], rows=30),
    dict(org="transport-bureau", name="public-parking-lots", title="公共停车场信息",
         notes="公共停车场名称、位置、泊位数和收费标准。",
         tags=["停车", "出行"], themes=["交通", "城市建设"], frequency="monthly", open=_U, share=_SU,
         columns=[("停车场", "road"), ("乡镇街道", "town"), ("泊位数", "int:30-900"), ("收费标准（元/小时）", "choice:0|2|3|5")], rows=20),
    dict(org="transport-bureau", name="traffic-volume-monthly", title="主要道路月度交通流量",
         notes="主要道路断面月度机动车流量统计。Monthly traffic volume on main roads.",
         tags=["交通流量", "traffic"], themes=["交通"], frequency="monthly", open=_U, share=_SU,
         columns=[("道路", "road"), ("月份", "month"), ("日均流量（辆）", "int:3000-68000")], rows=36),
    # 市生态环境局
    dict(org="ecology-environment-bureau", name="air-quality-daily", title="空气质量日报",
         notes="各监测点位每日空气质量指数（AQI）、PM2.5、PM10 浓度和首要污染物。Daily air quality index.",
         tags=["空气质量", "AQI"], themes=["环境"], frequency="daily", open=_U, share=_SU,
         columns=[("日期", "date"), ("监测点位", "choice:市环境监测站|半汤|湖滨|居巢区政府"),
                  ("AQI", "int:20-180"), ("PM2.5（μg/m³）", "int:5-120"), ("首要污染物", "choice:—|PM2.5|PM10|O3")], rows=40),
    dict(org="ecology-environment-bureau", name="surface-water-quality", title="地表水水质监测",
         notes="巢湖及入湖河流国控、省控断面水质类别和主要指标月度监测结果。",
         tags=["水质", "巢湖"], themes=["环境"], frequency="monthly", open=_U, share=_SU,
         columns=[("断面", "choice:湖心|中庙|柘皋河入湖口|双桥河入湖口|裕溪河"), ("月份", "month"),
                  ("水质类别", "choice:Ⅱ|Ⅲ|Ⅳ|Ⅴ"), ("总磷（mg/L）", "float:0.02-0.2")], rows=30),
    dict(org="ecology-environment-bureau", name="pollutant-discharge-permits", title="排污许可证发放信息",
         notes="排污单位名称、许可证编号、行业类别和有效期。",
         tags=["排污许可"], themes=["环境", "企业登记监管"], frequency="monthly", open=_U, share=_SU,
         columns=[("单位名称", "firm"), ("许可证编号", "seq:91340181"), ("行业类别", "choice:水泥制造|食品加工|污水处理|印刷"),
                  ("有效期至", "date")], rows=25),
    dict(org="ecology-environment-bureau", name="environmental-penalties", title="环境行政处罚信息",
         notes="生态环境行政处罚决定书文号、当事人、违法事实和处罚结果。自然人当事人姓名已脱敏。",
         tags=["行政处罚", "执法"], themes=["环境", "信用"], frequency="monthly", open=_U, share=_SU,
         personal_info=True, desensitized=True,
         columns=[("决定书文号", "seq:巢环罚〔2025〕"), ("当事人", "firm"), ("处罚结果", "choice:警告|罚款|责令改正"),
                  ("罚款金额（元）", "int:0-200000")], rows=18),
    dict(org="ecology-environment-bureau", name="enterprise-emission-monitoring", title="重点排污单位在线监测数据",
         notes="重点排污单位废水、废气在线监测小时数据，含企业生产工艺参数，涉及商业秘密，不予开放、不予共享。",
         tags=["在线监测"], themes=["环境"], frequency="realtime", open=_N,
         columns=[("单位名称", "firm"), ("监测时间", "date"), ("化学需氧量（mg/L）", "float:5-80"), ("氨氮（mg/L）", "float:0.1-8")], rows=40,
         trade_secret=True, share=_SN),
    # 市市场监督管理局
    dict(org="market-regulation-bureau", name="enterprise-registration", title="企业登记注册信息",
         notes="新设立企业的名称、统一社会信用代码、类型、注册资本和登记日期。",
         tags=["企业", "登记"], themes=["企业登记监管", "法人单位"], frequency="daily", open=_U, share=_SU,
         columns=[("统一社会信用代码", "seq:91340181MA8"), ("企业名称", "firm"), ("企业类型", "choice:有限责任公司|个人独资企业|股份有限公司"),
                  ("注册资本（万元）", "int:10-5000"), ("登记日期", "date")], rows=40),
    dict(org="market-regulation-bureau", name="food-business-licences", title="食品经营许可信息",
         notes="食品经营许可证编号、经营者名称、经营项目和有效期。",
         tags=["食品安全", "许可"], themes=["食品药品安全"], frequency="weekly", open=_U, share=_SU,
         columns=[("许可证编号", "seq:JY13401810"), ("经营者名称", "firm"), ("经营项目", "choice:预包装食品销售|热食类食品制售|冷食类食品制售"),
                  ("有效期至", "date")], rows=30),
    dict(org="market-regulation-bureau", name="product-quality-inspections", title="产品质量监督抽查结果",
         notes="产品质量监督抽查的产品名称、生产企业、抽查结果。",
         tags=["产品质量", "抽查"], themes=["市场监管"], frequency="quarterly", open=_U, share=_SU,
         columns=[("产品名称", "choice:电线电缆|儿童玩具|建筑用钢筋|电动自行车|燃气灶具"), ("生产企业", "firm"),
                  ("抽查结果", "choice:合格|不合格")], rows=24),
    dict(org="market-regulation-bureau", name="abnormal-operation-list", title="经营异常名录",
         notes="列入经营异常名录的市场主体名称、列入原因和日期。",
         tags=["信用", "经营异常"], themes=["信用", "企业登记监管"], frequency="weekly", open=_U, share=_SU,
         columns=[("市场主体名称", "firm"), ("列入原因", "choice:未按时公示年报|通过登记住所无法联系|公示信息隐瞒真实情况"),
                  ("列入日期", "date")], rows=30),
    dict(org="market-regulation-bureau", name="price-monitoring", title="重要民生商品价格监测",
         notes="粮油、肉禽蛋、蔬菜等重要民生商品的周均零售价格。",
         tags=["价格", "民生"], themes=["市场监管"], frequency="weekly", open=_U, share=_SU,
         columns=[("商品", "choice:粳米|菜籽油|猪肉（精瘦肉）|鸡蛋|大白菜|西红柿"), ("日期", "date"), ("均价（元/500克）", "float:1.2-19")], rows=36),
    dict(org="market-regulation-bureau", name="special-equipment-registry", title="特种设备使用登记信息",
         notes="电梯、锅炉、压力容器等特种设备使用登记信息，共享给应急管理等部门。",
         tags=["特种设备", "安全"], themes=["安全生产"], frequency="monthly", open=_A, share=_SC,
         columns=[("设备类别", "choice:电梯|锅炉|压力容器|起重机械"), ("使用单位", "firm"), ("登记日期", "date"),
                  ("下次检验日期", "date")], rows=30),
    # 市卫生健康委员会
    dict(org="health-commission", name="medical-institutions", title="医疗机构名录",
         notes="全市医院、社区卫生服务中心、乡镇卫生院的名称、地址、类别和等级。",
         tags=["医疗", "医院"], themes=["医疗", "健康保障"], frequency="quarterly", open=_U, share=_SU,
         columns=[("机构名称", "choice:巢湖市人民医院|巢湖市中医医院|巢湖市妇幼保健院|半汤街道社区卫生服务中心|黄麓镇卫生院|柘皋镇卫生院"),
                  ("乡镇街道", "town"), ("类别", "choice:综合医院|中医医院|妇幼保健院|卫生院"), ("等级", "choice:三级|二级|一级|未定级")], rows=16),
    dict(org="health-commission", name="licensed-physicians", title="执业医师注册信息",
         notes="执业医师姓名、执业机构、执业类别和范围。含个人信息，不予开放，仅向卫生健康监管部门有条件共享。",
         tags=["医师"], themes=["医疗"], frequency="monthly", open=_N, share=_SC,
         columns=[("执业机构", "choice:巢湖市人民医院|巢湖市中医医院|巢湖市妇幼保健院"), ("执业类别", "choice:临床|中医|口腔|公共卫生"),
                  ("注册日期", "date")], rows=30, personal_info=True),
    dict(org="health-commission", name="vaccination-clinics", title="预防接种门诊信息",
         notes="预防接种门诊名称、地址、服务时间和可接种疫苗种类。",
         tags=["疫苗", "预防接种"], themes=["医疗", "健康保障"], frequency="monthly", open=_U, share=_SU,
         columns=[("门诊名称", "town"), ("地址", "road"), ("服务时间", "choice:周一至周五 8:00-11:30|周二、周四 8:00-11:30"),
                  ("疫苗种类", "choice:免疫规划疫苗|非免疫规划疫苗|狂犬病疫苗")], rows=16),
    dict(org="health-commission", name="birth-statistics", title="出生人口统计",
         notes="按月统计的出生人口数、性别比，用于人口监测与妇幼卫生规划。",
         tags=["人口", "妇幼"], themes=["人口", "健康保障"], frequency="monthly", open=_U, share=_SU,
         columns=[("月份", "month"), ("出生人数", "int:120-480"), ("出生性别比", "float:102-112")], rows=24),
    dict(org="health-commission", name="hospital-beds", title="医疗卫生机构床位数",
         notes="各医疗卫生机构编制床位、实有床位和病床使用率。",
         tags=["床位", "医疗资源"], themes=["医疗"], frequency="annual", open=_U, share=_SU,
         columns=[("机构名称", "choice:巢湖市人民医院|巢湖市中医医院|巢湖市妇幼保健院|黄麓镇卫生院"), ("实有床位", "int:40-1200"),
                  ("病床使用率（%）", "float:55-98")], rows=12),
    dict(org="health-commission", name="notifiable-disease-monthly", title="法定传染病疫情月报",
         notes="法定传染病发病数和死亡数月度统计，按病种汇总，向疾控相关部门有条件共享。",
         tags=["传染病", "疾控"], themes=["医疗", "健康保障"], frequency="monthly", open=_A, share=_SC,
         columns=[("月份", "month"), ("病种", "choice:流行性感冒|手足口病|肺结核|其他感染性腹泻病"), ("发病数", "int:0-260")], rows=36),
    # 市人力资源和社会保障局
    dict(org="hrss-bureau", name="job-vacancies", title="招聘岗位信息",
         notes="人力资源市场发布的招聘单位、岗位、人数和薪资范围。",
         tags=["就业", "招聘"], themes=["就业"], frequency="daily", open=_U, share=_SU,
         columns=[("招聘单位", "firm"), ("岗位", "choice:销售代表|会计|电工|厨师|仓库管理员|软件工程师"),
                  ("人数", "int:1-20"), ("月薪下限（元）", "int:2800-6000"), ("月薪上限（元）", "int:6000-15000")], rows=40),
    dict(org="hrss-bureau", name="social-insurance-coverage", title="社会保险参保情况统计",
         notes="企业职工养老保险、失业保险、工伤保险参保人数月度统计。",
         tags=["社保", "参保"], themes=["社保"], frequency="monthly", open=_U, share=_SU,
         columns=[("月份", "month"), ("养老保险参保人数", "int:150000-190000"), ("失业保险参保人数", "int:60000-80000"),
                  ("工伤保险参保人数", "int:70000-90000")], rows=24),
    dict(org="hrss-bureau", name="vocational-training-institutions", title="职业技能培训机构名录",
         notes="经备案的职业技能培训机构名称、培训工种和地址。",
         tags=["培训", "技能"], themes=["就业", "教育"], frequency="semiannual", open=_U, share=_SU,
         columns=[("机构名称", "firm"), ("培训工种", "choice:电工|焊工|育婴员|养老护理员|中式烹调师"), ("地址", "road")], rows=14),
    dict(org="hrss-bureau", name="minimum-wage-standard", title="最低工资标准",
         notes="本市执行的月最低工资标准和小时最低工资标准及其执行日期。",
         tags=["工资", "劳动"], themes=["就业", "社保"], frequency="other", open=_U, share=_SU,
         columns=[("执行日期", "date"), ("月最低工资（元）", "int:1650-2060"), ("小时最低工资（元）", "int:16-21")], rows=6),
]


def _value(spec: str, rng: random.Random, i: int) -> str:
    kind, _, arg = spec.partition(":")
    if kind == "town":
        return TOWNS[i % len(TOWNS)] if i < len(TOWNS) else rng.choice(TOWNS)
    if kind == "road":
        return rng.choice(ROADS) + ("" if rng.random() < 0.5 else rng.choice(["站", "东站", "西站", "口"]))
    if kind == "firm":
        return CITY[:2] + rng.choice(FIRM_WORDS) + rng.choice(FIRM_KINDS)
    if kind == "seq":
        return f"{arg}{i + 1:03d}"
    if kind == "int":
        lo, hi = (int(x) for x in arg.split("-"))
        return str(rng.randint(lo, hi))
    if kind == "float":
        lo, hi = (float(x) for x in arg.split("-"))
        return f"{rng.uniform(lo, hi):.2f}"
    if kind == "date":
        return (date(2025, 1, 1) + timedelta(days=rng.randint(0, 364))).isoformat()
    if kind == "month":
        return f"{2024 + i // 12 % 2}-{i % 12 + 1:02d}"
    if kind == "choice":
        return rng.choice(arg.split("|"))
    if kind == "phone":
        return f"0551-8{rng.randint(1000000, 9999999)}"
    raise ValueError(f"unknown column kind {spec!r}")


def csv_bytes(dataset: dict) -> bytes:
    """The dataset's CSV file, UTF-8 with BOM so spreadsheet software opens Chinese text."""
    rng = random.Random(dataset["name"])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header for header, _ in dataset["columns"]])
    for i in range(dataset["rows"]):
        writer.writerow([_value(spec, rng, i) for _, spec in dataset["columns"]])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


# --- catalogue metadata (national template) derived from the specs above ---------------

_BASE_THEMES = {"人口", "法人单位", "自然资源和空间地理", "社会信用", "电子证照"}
_THEME_CLASSES = {"公共服务", "健康保障", "社会保障", "食品药品安全", "安全生产", "价格监管", "能源安全",
                  "信用体系", "城乡建设", "社区治理", "生态环保", "应急维稳"}
# Demo themes that are not in the value list map onto it.
_THEME_ALIASES = {"空间地理": "自然资源和空间地理", "政务服务": "公共服务", "市场监管": "价格监管",
                  "城市建设": "城乡建设"}
_ITEM_TYPES = {"int": ("I", 10), "float": ("F", 12), "date": ("D", 8), "month": ("C", 7)}
_PUBLISH = date(2025, 3, 1)
_LAW_APPLY = "《巢湖市政务数据共享开放管理办法》第十七条、第十九条"
_LAW_SHARE = "《巢湖市政务数据共享开放管理办法》第十一条、第十四条"
_LAW_PRIVACY = "《中华人民共和国个人信息保护法》第十三条、第二十五条"
_LAW_SECRET = "《中华人民共和国反不正当竞争法》第九条"
_LAW_SECURITY = "《中华人民共和国数据安全法》第二十一条"


def department_metadata(index: int) -> dict:
    """Unified social credit code (11 = 机关), region, type and contacts of department INDEX."""
    from ckanext.govopen.catalogue.codes import credit_code_check_char

    dept = DEPARTMENTS[index]
    body = f"11{REGION_CODE}MB{index + 1:07d}"
    return {
        "department_code": body + credit_code_check_char(body),
        "region_code": REGION_CODE,
        "department_type": dept["department_type"],
        "contact_name": "数据管理科",
        "contact_phone": f"0551-8{2300000 + index * 1111:07d}",
        "contact_email": f"data@{dept['name']}.example.gov.cn",
        "address": f"{CITY}{ROADS[index % len(ROADS)]}{(index + 1) * 18}号",
    }


def _themes(spec: dict) -> list[str]:
    return [_THEME_ALIASES.get(t, t) for t in spec["themes"]]


def _resource_class(themes: list[str]) -> str:
    if themes[0] in _BASE_THEMES:
        return "base"
    if themes[0] in _THEME_CLASSES:
        return "theme"
    return "department"


def dataset_metadata(index: int) -> dict:
    """The national-template fields of dataset INDEX: codes, categories with their legal
    basis and conditions, data items, dates."""
    spec = DATASETS[index]
    dept_index = next(i for i, d in enumerate(DEPARTMENTS) if d["name"] == spec["org"])
    themes = _themes(spec)
    rclass = _resource_class(themes)
    classification = {"base": "1", "theme": "2", "department": "3"}[rclass] + f"07{dept_index + 1:03d}"
    personal, secret = spec.get("personal_info", False), spec.get("trade_secret", False)
    meta = {
        "resource_class": rclass,
        "classification_code": classification,
        "catalogue_code": f"{classification}{REGION_CODE}/{index + 1:06d}",
        "themes": themes,
        "update_frequency": spec["frequency"],
        "format_class": "02",
        "format_type": "csv",
        "open_category": spec["open"],
        "share_category": spec.get("share", "unconditional"),
        "share_method": "platform_file",
        "data_items": [
            {"name": header, "type": _ITEM_TYPES.get(kind.split(":")[0], ("C", 100))[0],
             "length": _ITEM_TYPES.get(kind.split(":")[0], ("C", 100))[1]}
            for header, kind in spec["columns"]
        ],
        "publish_date": (_PUBLISH + timedelta(days=7 * index)).isoformat(),
        "data_updated": (date(2026, 11, 1) - timedelta(days=3 * index)).isoformat(),
        "source_system": DEPARTMENTS[dept_index]["title"] + "业务系统",
        "network": "互联网" if spec["open"] == "unconditional" else "政务外网",
        "region_code": REGION_CODE,
        "classified": False,
        "contains_personal_info": personal,
        "contains_trade_secret": secret,
        "desensitized": spec.get("desensitized", False),
    }
    if meta["open_category"] == "on_application":
        meta["open_conditions"] = "申请人须说明用途和使用场景，数据仅限申请用途使用，不得向第三方提供；使用时注明数据来源和获取日期。"
        meta["open_legal_basis"] = _LAW_APPLY
    elif meta["open_category"] == "not_open":
        meta["open_legal_basis"] = _LAW_PRIVACY if personal else _LAW_SECRET if secret else _LAW_SECURITY
    if meta["share_category"] == "conditional":
        meta["share_conditions"] = "仅限政务部门履行法定职责使用，须经提供部门审核同意。"
        meta["share_legal_basis"] = _LAW_SHARE
    elif meta["share_category"] == "not_shared":
        meta["share_legal_basis"] = _LAW_SECRET if secret else _LAW_SECURITY
    return meta
